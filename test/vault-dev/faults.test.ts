import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, errorsOf } from './client.js';

describe('dev vault: fault injection and stats', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault();
    vault.writeKv('secret', 'app', { a: 1 });
  });
  afterEach(() => {
    vault.setFault(null);
  });
  after(() => vault.stop());

  test('latency delays responses: a client that waits less gives up, one that waits more is answered', async () => {
    vault.setFault({ kind: 'latency', ms: 300 });
    await assert.rejects(call(vault, 'GET', '/v1/secret/data/app', { signal: AbortSignal.timeout(20) }));
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 200);
  });

  test('status with count, 429 with Retry-After, pathPrefix scoping, stats record statuses', async () => {
    vault.stats.reset();
    vault.setFault({ kind: 'status', status: 500, count: 2, pathPrefix: '/v1/secret/' });
    assert.equal((await call(vault, 'GET', '/v1/sys/health', { token: null })).status, 200);
    const first = await call(vault, 'GET', '/v1/secret/data/app');
    assert.equal(first.status, 500);
    assert.deepEqual(errorsOf(first), ['internal error']);
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 500);
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 200);
    assert.deepEqual(
      vault.stats.requests.map((r) => r.status),
      [200, 500, 500, 200],
    );
    vault.setFault({ kind: 'status', status: 429 });
    const limited = await call(vault, 'GET', '/v1/secret/data/app');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.deepEqual(errorsOf(limited), ['request path "secret/data/app": rate limit quota exceeded']);
  });

  test('sealed: 503 everywhere, health reports sealed with 503', async () => {
    vault.setFault({ kind: 'sealed' });
    const read = await call(vault, 'GET', '/v1/secret/data/app');
    assert.equal(read.status, 503);
    assert.deepEqual(errorsOf(read), ['Vault is sealed']);
    const health = await call(vault, 'GET', '/v1/sys/health', { token: null });
    assert.equal(health.status, 503);
    assert.equal(health.json.sealed, true);
    assert.equal(health.json.cluster_name, undefined);
    vault.setFault(null);
    assert.equal((await call(vault, 'GET', '/v1/sys/health', { token: null })).status, 200);
  });

  test('drop destroys the socket; malformed sends invalid JSON', async () => {
    vault.setFault({ kind: 'drop', count: 1 });
    await assert.rejects(call(vault, 'GET', '/v1/secret/data/app'));
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 200);
    vault.setFault({ kind: 'malformed', count: 1 });
    const bad = await call(vault, 'GET', '/v1/secret/data/app');
    assert.equal(bad.status, 200);
    assert.throws(() => JSON.parse(bad.text) as unknown);
  });

  test('hang holds requests (counted in flight) until the fault is cleared', async () => {
    vault.stats.reset();
    vault.setFault({ kind: 'hang' });
    const pending = Promise.all([call(vault, 'GET', '/v1/secret/data/app'), call(vault, 'GET', '/v1/secret/data/app')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(vault.stats.inFlight, 2);
    assert.equal(vault.stats.peakInFlight, 2);
    vault.setFault(null);
    const results = await pending;
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200],
    );
    assert.equal(vault.stats.inFlight, 0);
  });
});
