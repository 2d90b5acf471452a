import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FirstMountTracker } from '../../src/mount/first-mount-tracker.js';
import { SharedFlight } from '../../src/async/shared-flight.js';
import { TokenBucket } from '../../src/vault/token-bucket.js';

describe('bounded state', () => {
  test('a pod quiet for longer than the TTL counts as a first mount again; each Mount renews the TTL', () => {
    let now = 0;
    const tracker = new FirstMountTracker({ maxEntries: 10, ttlMs: 100, now: () => now });
    assert.equal(tracker.classify('uid-1', '/t'), 'first-mount');
    now = 90;
    assert.equal(tracker.classify('uid-1', '/t'), 'republish');
    now = 180;
    assert.equal(tracker.classify('uid-1', '/t'), 'republish', 'the republish at 90 renewed the entry');
    now = 281;
    assert.equal(tracker.classify('uid-1', '/t'), 'first-mount');
  });

  test('first mount per (pod uid, target), republish after; forgotten after a failure; bounded', () => {
    const tracker = new FirstMountTracker({ maxEntries: 10 });
    assert.equal(tracker.classify('uid-1', '/t/a'), 'first-mount');
    assert.equal(tracker.classify('uid-1', '/t/a'), 'republish');
    assert.equal(tracker.classify('uid-1', '/t/b'), 'first-mount');
    tracker.forget('uid-1', '/t/b');
    assert.equal(tracker.classify('uid-1', '/t/b'), 'first-mount');
    for (let i = 0; i < 10_000; i += 1) tracker.classify(`pod-${i}`, '/t');
    assert.equal(tracker.size, 10);
  });

  test('SharedFlight: identical keys share one execution; one caller leaving does not cancel the others', async () => {
    const flights = new SharedFlight<string>();
    let runs = 0;
    let release!: (value: string) => void;
    const work = () => {
      runs += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const leaving = new AbortController();
    const a = flights.run('k', leaving.signal, work);
    const b = flights.run('k', new AbortController().signal, work);
    leaving.abort(new Error('pod A gave up'));
    await assert.rejects(a, /pod A gave up/);
    release('secret');
    assert.equal(await b, 'secret');
    assert.equal(runs, 1);
    assert.equal(flights.size, 0);
  });

  test('SharedFlight: the shared work is cancelled when every caller has left', async () => {
    const flights = new SharedFlight<string>();
    let cancelled: unknown;
    const work = (signal: AbortSignal) =>
      new Promise<string>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject((cancelled = signal.reason as Error))),
      );
    const controller = new AbortController();
    const a = flights.run('k', controller.signal, work);
    controller.abort(new Error('deadline'));
    await assert.rejects(a, /deadline/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(String(cancelled), /deadline/);
  });

  test('TokenBucket: a burst passes at once, then one token per interval', async () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    const signal = new AbortController().signal;
    assert.equal(await bucket.take(signal), 0);
    assert.equal(await bucket.take(signal), 0);
    const waited = bucket.take(new AbortController().signal);
    now += 100;
    assert.equal(await waited, 100);
  });
});
