import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VaultUnavailableError } from '../../src/errors.js';
import { CircuitBreaker, isServerFailure, type HealthProbe } from '../../src/vault/circuit-breaker.js';

/** A probe whose answer the test sets, counting its calls; `settle()` lets pending probes finish. */
function scriptedProbe(initial: boolean) {
  const state = { healthy: initial, calls: 0 };
  const probe: HealthProbe = () => {
    state.calls += 1;
    return Promise.resolve(state.healthy);
  };
  return { state, probe };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CircuitBreaker', () => {
  const signal = new AbortController().signal;

  test('N consecutive failures make it ask sys/health; it opens only when the probe fails too', async () => {
    let now = 1_000_000;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 500, now: () => now });
    const { state, probe } = scriptedProbe(true);
    breaker.recordFailure('k', 'HTTP 503', probe);
    breaker.recordFailure('k', 'HTTP 503', probe);
    assert.equal(state.calls, 0);
    breaker.recordFailure('k', 'HTTP 503', probe);
    await settle();
    assert.equal(state.calls, 1, 'the threshold asks the server');
    assert.equal(breaker.stateOf('k'), 'closed', 'a healthy server keeps the circuit closed, whatever callers saw');

    state.healthy = false;
    for (let i = 0; i < 3; i += 1) breaker.recordFailure('k', 'HTTP 502', probe);
    await settle();
    assert.equal(breaker.stateOf('k'), 'open');
    await assert.rejects(breaker.admit('k', 'https://vault:8200', 'object "a"', probe, signal), (error: Error) => {
      assert.ok(error instanceof VaultUnavailableError);
      assert.equal(
        error.message,
        'object "a": Vault at https://vault:8200 is failing (3 consecutive failures, last: HTTP 502; its sys/health probe failed too); the next request after 500 ms probes it again',
      );
      return true;
    });
    assert.equal(state.calls, 2, 'no probe inside the open interval');
    now += 499;
    await assert.rejects(breaker.admit('k', 'https://vault:8200', 'x', probe, signal), /after 1 ms probes it again/);
  });

  test('half-open: the first request after the interval probes at once and is served when Vault is back', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 500, now: () => now });
    const { state, probe } = scriptedProbe(false);
    breaker.recordFailure('k', 'cannot reach Vault', probe);
    await settle();
    assert.equal(breaker.stateOf('k'), 'open');
    now += 500;
    state.healthy = true;
    await Promise.all([1, 2, 3].map(() => breaker.admit('k', 'http://v', 'x', probe, signal)));
    assert.equal(state.calls, 2, 'concurrent callers share one probe');
    assert.equal(breaker.stateOf('k'), 'closed');
  });

  test('a failed half-open probe opens it for another interval', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, now: () => now });
    const { state, probe } = scriptedProbe(false);
    breaker.recordFailure('k', 'cannot reach Vault', probe);
    await settle();
    now += 1000;
    await assert.rejects(breaker.admit('k', 'http://v', 'login', probe, signal), /after 1\.0 s probes it again/);
    assert.equal(state.calls, 2);
    assert.equal(breaker.stateOf('k'), 'open');
    now += 999;
    await assert.rejects(breaker.admit('k', 'http://v', 'login', probe, signal));
    assert.equal(state.calls, 2);
  });

  test('a success in between resets the count', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1000, now: () => 0 });
    const { state, probe } = scriptedProbe(false);
    breaker.recordFailure('k', 'x', probe);
    breaker.recordSuccess('k');
    breaker.recordFailure('k', 'x', probe);
    await settle();
    assert.equal(state.calls, 0);
    assert.equal(breaker.stateOf('k'), 'closed');
  });

  test('a caller giving up leaves the shared probe running for the others', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10, now: () => now });
    let release: (healthy: boolean) => void = () => undefined;
    let calls = 0;
    const slowProbe: HealthProbe = () => {
      calls += 1;
      return new Promise((resolve) => (release = resolve));
    };
    breaker.recordFailure('k', 'x', () => Promise.resolve(false));
    await settle();
    now += 10;
    const impatient = new AbortController();
    const first = breaker.admit('k', 'http://v', 'a', slowProbe, impatient.signal);
    const second = breaker.admit('k', 'http://v', 'b', slowProbe, signal);
    impatient.abort(new Error('the Mount gave up'));
    await assert.rejects(first, /the Mount gave up/);
    release(true);
    await second;
    assert.equal(calls, 1);
    assert.equal(breaker.stateOf('k'), 'closed');
  });

  test('threshold 0 disables it', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 0, openMs: 1000 });
    const { state, probe } = scriptedProbe(false);
    for (let i = 0; i < 10; i += 1) breaker.recordFailure('k', 'x', probe);
    await breaker.admit('k', 'http://v', 'login', probe, signal);
    assert.equal(state.calls, 0);
    assert.equal(breaker.stateOf('k'), 'closed');
  });
});

describe('isServerFailure: what a caller cannot choose', () => {
  const cases: [string, Parameters<typeof isServerFailure>[0], boolean][] = [
    ['connection refused, reset, timeout', { kind: 'network' }, true],
    ['502 from a gateway', { kind: 'status', status: 502, errors: [] }, true],
    ['503 sealed', { kind: 'status', status: 503, errors: ['Vault is sealed'] }, true],
    ['504 gateway timeout', { kind: 'status', status: 504, errors: [] }, true],
    ['500 saying Vault is sealed', { kind: 'status', status: 500, errors: ['core: Vault is sealed'] }, true],
    ['501 not initialized', { kind: 'status', status: 501, errors: ['Vault is not initialized'] }, true],
    ['a plain 500 from a path the SPC picked', { kind: 'status', status: 500, errors: ['internal error'] }, false],
    ['501 from sys/health?uninitcode=501 (no message)', { kind: 'status', status: 501, errors: [] }, false],
    ['403 permission denied', { kind: 'status', status: 403, errors: ['permission denied'] }, false],
    ['404', { kind: 'status', status: 404, errors: [] }, false],
    ['429', { kind: 'status', status: 429, errors: [] }, false],
    ['400 from a namespaced sys/health', { kind: 'status', status: 400, errors: ['unsupported path'] }, false],
  ];
  for (const [name, outcome, expected] of cases) {
    test(name, () => assert.equal(isServerFailure(outcome), expected));
  }
});
