import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceededError } from '../../src/errors.js';
import { RequestScheduler } from '../../src/vault/request-scheduler.js';
import { ManualClock } from '../support/manual-clock.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('RequestScheduler', () => {
  test('never more than maxInFlight per address; other addresses are independent', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 3, ratePerSecond: 0, burst: 1 });
    let inFlight = 0;
    let peak = 0;
    const work = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(5);
      inFlight -= 1;
    };
    const signal = new AbortController().signal;
    const other = gate();
    const blocked = scheduler.run('http://b', 'republish', signal, () => other.opened);
    await Promise.all(Array.from({ length: 20 }, () => scheduler.run('http://a', 'republish', signal, work)));
    assert.equal(peak, 3);
    other.open();
    await blocked;
  });

  test('first mounts are served before republishes and background work, FIFO within a tier', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 1, ratePerSecond: 0, burst: 1 });
    const signal = new AbortController().signal;
    const holder = gate();
    const order: string[] = [];
    const first = scheduler.run('a', 'republish', signal, () => holder.opened);
    const queued = [
      scheduler.run('a', 'background', signal, () => Promise.resolve(void order.push('background'))),
      scheduler.run('a', 'republish', signal, () => Promise.resolve(void order.push('republish-1'))),
      scheduler.run('a', 'first-mount', signal, () => Promise.resolve(void order.push('first-1'))),
      scheduler.run('a', 'republish', signal, () => Promise.resolve(void order.push('republish-2'))),
      scheduler.run('a', 'first-mount', signal, () => Promise.resolve(void order.push('first-2'))),
    ];
    holder.open();
    await Promise.all([first, ...queued]);
    assert.deepEqual(order, ['first-1', 'first-2', 'republish-1', 'republish-2', 'background']);
  });

  test('within a tier, a freed slot goes to the pod holding the fewest: one pod cannot hold the bound', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 2, ratePerSecond: 0, burst: 1 });
    const signal = new AbortController().signal;
    const gates = [gate(), gate()];
    const order: string[] = [];
    // The noisy pod holds both slots and queues 3 more; a quiet pod then queues 1.
    const holding = gates.map((each) => scheduler.run('a', 'republish', signal, () => each.opened, 'noisy'));
    const noisy = [1, 2, 3].map((i) =>
      scheduler.run('a', 'republish', signal, () => Promise.resolve(void order.push(`noisy-${i}`)), 'noisy'),
    );
    const quiet = scheduler.run('a', 'republish', signal, () => Promise.resolve(void order.push('quiet')), 'quiet');
    gates[0]?.open();
    await quiet;
    gates[1]?.open();
    await Promise.all([...holding, ...noisy]);
    assert.deepEqual(order, ['quiet', 'noisy-1', 'noisy-2', 'noisy-3'], 'the first freed slot went to the quiet pod');
    assert.equal(scheduler.inFlight('a'), 0);
  });

  test('a waiter whose Mount gives up leaves the queue with the Mount’s own error', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 1, ratePerSecond: 0, burst: 1 });
    const holder = gate();
    const running = scheduler.run('a', 'republish', new AbortController().signal, () => holder.opened);
    const controller = new AbortController();
    let ran = false;
    const waiting = scheduler.run('a', 'first-mount', controller.signal, () => Promise.resolve(void (ran = true)));
    controller.abort(new DeadlineExceededError('object "x": budget spent'));
    await assert.rejects(waiting, /budget spent/);
    holder.open();
    await running;
    assert.equal(ran, false);
    assert.equal(scheduler.inFlight('a'), 0);
  });

  test('the rate limit spaces requests: at burst 1 and 50/s, the 2nd waits 20 ms and the 3rd 40 ms', async () => {
    const clock = new ManualClock();
    const scheduler = new RequestScheduler({ maxInFlight: 0, ratePerSecond: 50, burst: 1, clock });
    const signal = new AbortController().signal;
    const ran: number[] = [];
    const all = Promise.all(
      [1, 2, 3].map((n) => scheduler.run('a', 'republish', signal, () => Promise.resolve(ran.push(n)))),
    );
    await clock.untilSleeping(2);
    assert.deepEqual(ran, [1]);
    assert.deepEqual(clock.sleeping, [20, 40]);
    await clock.advance(20);
    assert.deepEqual(ran, [1, 2]);
    await clock.advance(20);
    await all;
    assert.deepEqual(ran, [1, 2, 3]);
  });

  test('addresses are bounded: idle lanes are evicted beyond maxAddresses', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 2, ratePerSecond: 0, burst: 1, maxAddresses: 4 });
    const signal = new AbortController().signal;
    for (let i = 0; i < 100; i += 1)
      await scheduler.run(`http://vault-${i}`, 'republish', signal, () => Promise.resolve(i));
    assert.ok((scheduler as unknown as { idle: { size: number } }).idle.size <= 4);
  });

  test('a lane with requests in flight is never evicted: its bound holds while other addresses come and go', async () => {
    const scheduler = new RequestScheduler({ maxInFlight: 1, ratePerSecond: 0, burst: 1, maxAddresses: 1 });
    const signal = new AbortController().signal;
    let release!: () => void;
    const holding = scheduler.run('a', 'republish', signal, () => new Promise<void>((resolve) => (release = resolve)));
    for (let i = 0; i < 10; i += 1) await scheduler.run(`b${i}`, 'republish', signal, () => Promise.resolve());
    let second = false;
    const queued = scheduler.run('a', 'republish', signal, () => Promise.resolve((second = true)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second, false, 'the second request to a waits for the first');
    assert.equal(scheduler.inFlight('a'), 1);
    release();
    await Promise.all([holding, queued]);
    assert.equal(second, true);
    assert.equal(scheduler.inFlight('a'), 0);
  });
});
