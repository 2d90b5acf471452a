import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRetryable, RetryPolicy } from '../../src/vault/retry-policy.js';

describe('retry policy', () => {
  test('429, 5xx and connection errors are retried; other 4xx and unusable answers never', () => {
    for (const status of [429, 500, 502, 503, 504]) assert.equal(isRetryable({ kind: 'status', status }, true), true);
    for (const status of [200, 204, 400, 403, 404, 405, 412]) {
      assert.equal(isRetryable({ kind: 'status', status }, true), false, String(status));
    }
    assert.equal(isRetryable({ kind: 'network', beforeSending: false }, true), true);
    assert.equal(isRetryable({ kind: 'unusable' }, true), false);
  });

  test('issuing requests are retried only when Vault certainly did not act', () => {
    assert.equal(isRetryable({ kind: 'network', beforeSending: false }, false), false, 'dropped after sending');
    assert.equal(isRetryable({ kind: 'status', status: 500 }, false), false, 'may have issued');
    assert.equal(isRetryable({ kind: 'network', beforeSending: true }, false), true, 'connection refused');
    assert.equal(isRetryable({ kind: 'status', status: 429 }, false), true);
    assert.equal(isRetryable({ kind: 'status', status: 503 }, false), true);
  });

  test('full-jitter exponential backoff under a ceiling; Retry-After wins', () => {
    const max = new RetryPolicy({ maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => max.delayMs(n, undefined)),
      [100, 200, 400, 800, 1000],
    );
    const min = new RetryPolicy({ maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    assert.equal(min.delayMs(3, undefined), 0);
    assert.equal(min.delayMs(1, 2.5), 2500);
  });
});
