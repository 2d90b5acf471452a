import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CacheEntry } from '../../src/leases/cache-entry.js';
import { LeaseStateStore, readStateKey } from '../../src/leases/lease-state-store.js';
import { lifetimeOf } from '../../src/leases/lease-policy.js';
import { createLogger } from '../../src/observability/logger.js';

const SECRET = 'A1a-state-store-password-42';

function entry(): CacheEntry {
  return {
    key: 'k',
    identity: {
      pod: { namespace: 'default', name: 'p', uid: 'uid-1', serviceAccountName: 'app' },
      connection: { address: 'http://127.0.0.1:8200', tls: { skipVerify: false } },
      auth: { mountPath: 'kubernetes', roleName: 'app', audience: 'vault' },
      jwt: 'jwt-value',
    },
    request: { method: 'GET', path: '/v1/database/creds/app', query: {}, key: 'r' },
    subject: 'object "p"',
    secret: { lease_id: 'database/creds/app/x', lease_duration: 300, data: { password: SECRET } },
    lifetime: { kind: 'lease', leaseId: 'database/creds/app/x', renewable: true, ttlSeconds: 300, expiresAtMs: 1e13 },
    token: { token: 'hvs.pod-token', ttlSeconds: 3600, renewedAtMs: 0, expiresAtMs: 1e13 },
    spanStartMs: 0,
    share: 2 / 3,
    leaseActionAtMs: 1,
    nextActionAtMs: 1,
    failures: 0,
    mustReplace: false,
    lastServedMs: 0,
  };
}

describe('LeaseStateStore', () => {
  let dir: string;
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcp-state-unit-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const store = (key: Buffer, entries: CacheEntry[] = []) =>
    new LeaseStateStore({ dir: join(dir, 'state'), key, logger, now: Date.now, snapshot: () => entries });

  test('round trip, encrypted, atomic (no temporary file left), directory 0700', async () => {
    const key = randomBytes(32);
    await store(key).load();
    await store(key, [entry()]).flush();
    assert.equal((await stat(join(dir, 'state'))).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(join(dir, 'state')), ['lease-cache.state']);
    const raw = await readFile(join(dir, 'state', 'lease-cache.state'));
    for (const plain of [SECRET, 'hvs.pod-token', 'jwt-value']) assert.ok(!raw.includes(plain));
    const loaded = await store(key).load();
    // Everything comes back but the pod's service-account token, which is never written.
    const written = entry();
    assert.deepEqual(loaded, [{ ...written, identity: { ...written.identity, jwt: '' } }]);
  });

  test('secretArgs integers past 2^53 (BigInt) survive the round trip', async () => {
    const key = randomBytes(32);
    const withBig = {
      ...entry(),
      request: { ...entry().request, body: { n: 9007199254740993n, m: [18446744073709551615n] } },
    };
    await store(key, [withBig]).flush();
    const [loaded] = await store(key).load();
    assert.deepEqual(loaded?.request.body, { n: 9007199254740993n, m: [18446744073709551615n] });
  });

  test('a wrong key or a corrupt file: empty, with a warning that says so', async () => {
    lines.length = 0;
    assert.deepEqual(await store(randomBytes(32)).load(), []);
    await writeFile(join(dir, 'state', 'lease-cache.state'), 'garbage');
    assert.deepEqual(await store(randomBytes(32)).load(), []);
    assert.equal(lines.filter((line) => line.includes('starting with an empty lease cache')).length, 2);
  });

  test('key files: raw, hex and base64 32 bytes; anything else refused', async () => {
    const key = randomBytes(32);
    const path = join(dir, 'key');
    for (const form of [key, key.toString('hex'), `${key.toString('base64')}\n`]) {
      await writeFile(path, form);
      assert.deepEqual(await readStateKey(path), key);
    }
    await writeFile(path, 'short');
    await assert.rejects(readStateKey(path), /must be 32 bytes/);
  });
});

describe('lifetimeOf: what the lease cache keeps', () => {
  const now = 1_000_000;
  const cases: [string, Record<string, unknown>, string | undefined][] = [
    ['a database lease', { lease_id: 'db/x', lease_duration: 60, renewable: true, data: {} }, 'lease'],
    ['a KV read (no lease)', { lease_id: '', lease_duration: 0, data: { a: 1 } }, undefined],
    ['KV v1 refresh interval without a lease id', { lease_id: '', lease_duration: 2764800, data: {} }, undefined],
    ['a PKI certificate', { lease_id: '', data: { expiration: now / 1000 + 3600 } }, 'certificate'],
    ['an expired expiration', { data: { expiration: now / 1000 - 1 } }, undefined],
  ];
  for (const [name, secret, kind] of cases) {
    test(name, () => assert.equal(lifetimeOf(secret, now)?.kind, kind));
  }
});
