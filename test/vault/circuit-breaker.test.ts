import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VaultUnavailableError } from '../../src/errors.js';
import { CircuitBreaker } from '../../src/vault/circuit-breaker.js';

describe('CircuitBreaker', () => {
  const signal = new AbortController().signal;

  test('opens after N consecutive failures, fails fast naming the address and the probe time', async () => {
    let now = 1_000_000;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 10_000, now: () => now });
    let probes = 0;
    const probe = () => {
      probes += 1;
      return Promise.resolve(true);
    };
    breaker.recordFailure('k', 'HTTP 500');
    breaker.recordFailure('k', 'HTTP 500');
    await breaker.admit('k', 'https://vault:8200', 'login', probe, signal);
    breaker.recordFailure('k', 'HTTP 502');
    assert.equal(breaker.stateOf('k'), 'open');
    await assert.rejects(breaker.admit('k', 'https://vault:8200', 'object "a"', probe, signal), (error: Error) => {
      assert.ok(error instanceof VaultUnavailableError);
      assert.match(
        error.message,
        /^object "a": Vault at https:\/\/vault:8200 is failing \(3 consecutive failures, last: HTTP 502\); not contacting it until .*Z \(in 10s\), when sys\/health is probed again$/,
      );
      return true;
    });
    assert.equal(probes, 0);
    now += 10_001;
    await Promise.all([1, 2, 3].map(() => breaker.admit('k', 'https://vault:8200', 'x', probe, signal)));
    assert.equal(probes, 1, 'concurrent callers share one probe');
    assert.equal(breaker.stateOf('k'), 'closed');
  });

  test('a failed probe keeps it open for another period; a success in between resets the count', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1000, now: () => now });
    breaker.recordFailure('k', 'cannot reach Vault');
    breaker.recordSuccess('k');
    breaker.recordFailure('k', 'cannot reach Vault');
    assert.equal(breaker.stateOf('k'), 'closed');
    breaker.recordFailure('k', 'cannot reach Vault');
    assert.equal(breaker.stateOf('k'), 'open');
    now += 1001;
    await assert.rejects(
      breaker.admit('k', 'http://v', 'login', () => Promise.resolve(false), signal),
      /last: cannot reach Vault; the sys\/health probe failed too\); not contacting it until .* \(in 1s\)/,
    );
    assert.equal(breaker.stateOf('k'), 'open');
  });

  test('threshold 0 disables it', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 0, openMs: 1000 });
    for (let i = 0; i < 10; i += 1) breaker.recordFailure('k', 'x');
    await breaker.admit('k', 'http://v', 'login', () => Promise.resolve(false), signal);
    assert.equal(breaker.stateOf('k'), 'closed');
  });
});
