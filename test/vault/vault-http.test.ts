/**
 * VaultHttp's retries against the dev Vault over real HTTP, on a clock the test moves by hand:
 * the retry waits exactly as long as Vault's Retry-After asks (and as the backoff says without
 * one), asserted without sleeping and without reading the wall clock.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { RetryPolicy } from '../../src/vault/retry-policy.js';
import { VaultTransport } from '../../src/vault/transport.js';
import { VaultHttp } from '../../src/vault/vault-http.js';
import { ManualClock } from '../support/manual-clock.js';
import { readAppSecret } from './read-from-dev-vault.js';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';

describe('VaultHttp retries on an injected clock', () => {
  let vault: DevVault;
  let transport: VaultTransport;

  before(async () => {
    vault = await startDevVault();
    vault.writeKv('secret', 'app', { password: 'p' });
    transport = new VaultTransport();
  });
  afterEach(() => {
    vault.setFault(null);
  });
  after(async () => {
    await transport.close();
    await vault.stop();
  });

  function client(clock: ManualClock): VaultHttp {
    // random() = 1: the backoff is its ceiling, so the expected waits are exact.
    const retry = new RetryPolicy({ maxRetries: 2, baseDelayMs: 100, maxDelayMs: 2000, random: () => 1 });
    return new VaultHttp(transport, { maxResponseBytes: 1 << 20, requestTimeoutMs: 5000, retry, clock });
  }

  const read = (http: VaultHttp) => readAppSecret(http, vault);

  test('429 with Retry-After: 1 → the retry waits 1000 ms of the clock, then succeeds', async () => {
    const clock = new ManualClock();
    vault.stats.reset();
    vault.setFault({ kind: 'status', status: 429, count: 1, retryAfterSeconds: 1, pathPrefix: '/v1/secret/' });
    const answer = read(client(clock));
    await clock.untilSleeping();
    assert.deepEqual(clock.sleeping, [1000]);
    await clock.advance(999);
    assert.deepEqual(clock.sleeping, [1000], 'still waiting 1 ms before the Retry-After');
    await clock.advance(1);
    assert.equal((await answer).status, 200);
    assert.deepEqual(
      vault.stats.requests.map((request) => request.status),
      [429, 200],
    );
  });

  test('503 without Retry-After → full-jitter backoff doubling from the base: 100 ms, then 200 ms', async () => {
    const clock = new ManualClock();
    vault.setFault({ kind: 'status', status: 503, count: 2, pathPrefix: '/v1/secret/' });
    const answer = read(client(clock));
    await clock.untilSleeping();
    assert.deepEqual(clock.sleeping, [100]);
    await clock.advance(100);
    await clock.untilSleeping();
    assert.deepEqual(clock.sleeping, [200]);
    await clock.advance(200);
    assert.equal((await answer).status, 200);
  });
});
