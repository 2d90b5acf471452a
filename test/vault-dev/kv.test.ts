import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, errorsOf } from './client.js';

describe('dev vault: KV and general HTTP behaviour', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault();
  });
  after(() => vault.stop());

  test('KV v2 write via HTTP returns version metadata; read has the envelope in Vault key order', async () => {
    const write = await call(vault, 'POST', '/v1/secret/data/app', {
      body: { data: { password: 'p1', n: 1 }, options: {} },
    });
    assert.equal(write.status, 200);
    const meta = write.json.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);
    assert.equal(meta.version, 1);
    await call(vault, 'POST', '/v1/secret/data/app', { body: { data: { password: 'p2' } } });

    const read = await call(vault, 'GET', '/v1/secret/data/app');
    assert.equal(read.status, 200);
    assert.equal(read.headers['cache-control'], 'no-store');
    assert.match(String(read.headers['content-type']), /application\/json/);
    assert.deepEqual(Object.keys(read.json), [
      'request_id',
      'lease_id',
      'renewable',
      'lease_duration',
      'data',
      'wrap_info',
      'warnings',
      'auth',
      'mount_type',
    ]);
    assert.match(String(read.json.request_id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(read.json.lease_duration, 0);
    assert.equal(read.json.mount_type, 'kv');
    const data = read.json.data as { data: unknown; metadata: { version: number } };
    assert.deepEqual(data.data, { password: 'p2' });
    assert.equal(data.metadata.version, 2);
    assert.ok(read.text.endsWith('}\n'));

    const v1 = await call(vault, 'GET', '/v1/secret/data/app?version=1');
    assert.deepEqual((v1.json.data as { data: unknown }).data, { password: 'p1', n: 1 });
    const missingVersion = await call(vault, 'GET', '/v1/secret/data/app?version=9');
    assert.equal(missingVersion.status, 404);
    assert.equal(missingVersion.text, '{"errors":[]}\n');
  });

  test('KV v2 soft delete: 404 with the full envelope and deletion_time, no errors key', async () => {
    vault.writeKv('secret', 'gone', { a: 'b' });
    vault.deleteKvLatest('secret', 'gone');
    const read = await call(vault, 'GET', '/v1/secret/data/gone');
    assert.equal(read.status, 404);
    assert.equal(read.json.errors, undefined);
    assert.equal(read.json.mount_type, '');
    const data = read.json.data as { data: unknown; metadata: { deletion_time: string; destroyed: boolean } };
    assert.equal(data.data, null);
    assert.match(data.metadata.deletion_time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(data.metadata.destroyed, false);

    const del = await call(vault, 'DELETE', '/v1/secret/data/app');
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 404);
    assert.equal((await call(vault, 'POST', '/v1/secret/undelete/app', { body: { versions: [2] } })).status, 204);
    assert.equal((await call(vault, 'GET', '/v1/secret/data/app')).status, 200);
  });

  test('KV v2 path without data/ → 404 envelope with the versioned-KV warning', async () => {
    const read = await call(vault, 'GET', '/v1/secret/app');
    assert.equal(read.status, 404);
    assert.equal(read.json.data, null);
    assert.deepEqual(read.json.warnings, [
      "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
    ]);
  });

  test('KV v2 metadata, list, unknown-parameter warning, HTML-safe escaping', async () => {
    vault.writeKv('secret', 'dir/a', { x: '<&>' });
    vault.writeKv('secret', 'dir/sub/b', { y: 1 });
    const list = await call(vault, 'GET', '/v1/secret/metadata/dir?list=true');
    assert.equal(list.status, 200);
    assert.deepEqual((list.json.data as { keys: string[] }).keys, ['a', 'sub/']);
    const meta = await call(vault, 'GET', '/v1/secret/metadata/dir/a');
    assert.equal((meta.json.data as { current_version: number }).current_version, 1);
    const read = await call(vault, 'GET', '/v1/secret/data/dir/a?token=abc');
    assert.deepEqual(read.json.warnings, ['Endpoint ignored these unrecognized parameters: [token]']);
    assert.ok(read.text.includes('"x":"\\u003c\\u0026\\u003e"'));
    const emptyList = await call(vault, 'GET', '/v1/secret/metadata/nothing?list=true');
    assert.equal(emptyList.status, 404);
  });

  test('KV v1: write 204, read with advisory lease_duration, list, delete, errors', async () => {
    assert.equal((await call(vault, 'PUT', '/v1/kv/legacy', { body: { apiKey: 'k' } })).status, 204);
    const read = await call(vault, 'GET', '/v1/kv/legacy');
    assert.equal(read.status, 200);
    assert.equal(read.json.lease_duration, 2764800);
    assert.equal(read.json.lease_id, '');
    assert.equal(read.json.renewable, false);
    assert.deepEqual(read.json.data, { apiKey: 'k' });
    await call(vault, 'POST', '/v1/kv/withttl', { body: { v: 1, ttl: '1h' } });
    assert.equal((await call(vault, 'GET', '/v1/kv/withttl')).json.lease_duration, 3600);
    const list = await call(vault, 'GET', '/v1/kv/?list=true');
    assert.deepEqual((list.json.data as { keys: string[] }).keys, ['legacy', 'withttl']);
    const emptyWrite = await call(vault, 'PUT', '/v1/kv/x', { body: {} });
    assert.equal(emptyWrite.status, 400);
    assert.deepEqual(errorsOf(emptyWrite), ['missing data fields']);
    assert.equal((await call(vault, 'DELETE', '/v1/kv/legacy')).status, 204);
    const missing = await call(vault, 'GET', '/v1/kv/legacy');
    assert.equal(missing.status, 404);
    assert.equal(missing.text, '{"errors":[]}\n');
  });

  test('request errors: bad JSON, trailing slash write, bad list flag, 405, no route, unsupported path', async () => {
    const badJson = await call(vault, 'POST', '/v1/secret/data/x', { body: '{"data":' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(errorsOf(badJson), ['failed to parse JSON input: unexpected EOF']);
    const slash = await call(vault, 'POST', '/v1/kv/dir/', { body: { a: 1 } });
    assert.deepEqual(errorsOf(slash), ["cannot write to a path ending in '/'"]);
    assert.equal((await call(vault, 'GET', '/v1/kv/?list=maybe')).status, 400);
    const options = await call(vault, 'OPTIONS', '/v1/kv/x');
    assert.equal(options.status, 405);
    assert.equal(options.text, '{"errors":[]}\n');
    const noRoute = await call(vault, 'GET', '/v1/nomount/data/x/y');
    assert.equal(noRoute.status, 404);
    assert.deepEqual(errorsOf(noRoute), ['no handler for route "nomount/data/x/y". route entry not found.']);
    const unsupported = await call(vault, 'GET', '/v1/database/nope');
    assert.equal(unsupported.status, 404);
    assert.deepEqual(errorsOf(unsupported), ['1 error occurred:\n\t* unsupported path\n\n']);
  });

  test('sys/health, seal-status and sys/internal/ui/mounts', async () => {
    const health = await call(vault, 'GET', '/v1/sys/health', { token: null });
    assert.equal(health.status, 200);
    assert.equal(health.json.request_id, undefined);
    assert.equal(health.json.sealed, false);
    assert.equal(health.json.initialized, true);
    assert.equal((await call(vault, 'GET', '/v1/sys/health?activecode=299', { token: null })).status, 299);
    assert.equal((await call(vault, 'GET', '/v1/sys/health?activecode=abc', { token: null })).status, 400);
    const seal = await call(vault, 'GET', '/v1/sys/seal-status', { token: null });
    assert.equal(seal.json.type, 'shamir');

    const v2 = await call(vault, 'GET', '/v1/sys/internal/ui/mounts/secret/app');
    const data = v2.json.data as { type: string; path: string; options: { version: string } };
    assert.equal(data.type, 'kv');
    assert.equal(data.path, 'secret/');
    assert.equal(data.options.version, '2');
    assert.equal(v2.json.version, undefined); // not injected
    const v1 = await call(vault, 'GET', '/v1/sys/internal/ui/mounts/kv/legacy');
    assert.equal((v1.json.data as { options: { version: string } }).options.version, '1');
    const none = await call(vault, 'GET', '/v1/sys/internal/ui/mounts/nothing/here');
    assert.equal(none.status, 403);
    assert.deepEqual(errorsOf(none), [
      'preflight capability check returned 403, please ensure client\'s policies grant access to path "nothing/here/"',
    ]);
  });
});
