/**
 * The refresh-interval cache's own rules, below the socket: its bounds (entries and bytes), when
 * an answer is kept (commit) and never shared, and the token check behind each cached answer.
 * The socket-level behaviour is in test/e2e/refresh-interval.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseCache, type ReadThrough, type ServedRead } from '../../src/leases/response-cache.js';
import { TokenCache, type VaultToken } from '../../src/vault/token-cache.js';
import type { VaultIdentity } from '../../src/vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../../src/vault/vault-request.js';

const MINUTE = 60_000;

/** A service-account JWT's shape (claims for the pod; the cache never checks signatures, Vault does). */
function serviceAccountJwt(uid: string, nonce: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    sub: 'system:serviceaccount:default:app',
    aud: ['vault'],
    exp: Math.floor(Date.now() / 1000) + 3600,
    'kubernetes.io': { pod: { uid } },
    jti: nonce,
  };
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function identity(uid: string, jwt = serviceAccountJwt(uid, 'first')): VaultIdentity {
  return {
    pod: { namespace: 'default', name: `app-${uid}`, uid, serviceAccountName: 'app' },
    connection: { address: 'https://vault.example:8200', tls: { skipVerify: false } },
    auth: { mountPath: 'kubernetes', roleName: 'app', audience: 'vault' },
    jwt,
  };
}

function kvRequest(path: string): VaultRequest {
  return { method: 'GET', path: `/v1/${path}`, query: {}, key: JSON.stringify(['GET', path]) };
}

class CountingVault implements ReadThrough {
  reads = 0;
  value = 'v1';
  size = 10;
  async read(_identity: VaultIdentity, request: VaultRequest): Promise<ServedRead> {
    this.reads += 1;
    await Promise.resolve();
    const secret: VaultSecret = {
      data: { data: { value: this.value, pad: 'x'.repeat(this.size) }, path: request.path },
    };
    return { secret, source: 'vault' };
  }
}

function rig(settings: { maxEntries?: number; maxBytes?: number } = {}) {
  let clock = 1_000_000;
  const logins: string[] = [];
  const tokens = new TokenCache(
    (who): Promise<VaultToken> => {
      logins.push(who.jwt);
      return Promise.resolve({ token: `token-${logins.length}`, issuedAtMs: clock, expiresAtMs: clock + 3_600_000 });
    },
    { maxEntries: 100, now: () => clock },
  );
  const vault = new CountingVault();
  const cache = new ResponseCache({
    maxEntries: settings.maxEntries ?? 100,
    maxBytes: settings.maxBytes ?? 1024 * 1024,
    next: vault,
    tokens,
    now: () => clock,
  });
  const signal = new AbortController().signal;
  const read = async (who: VaultIdentity, path: string, intervalMs = 10 * MINUTE, commit = true) => {
    const served = await cache.read(who, kvRequest(path), 'object "x"', signal, undefined, intervalMs);
    if (commit) served.staged?.commit();
    else served.staged?.release();
    return served;
  };
  return { cache, vault, logins, read, advance: (ms: number) => (clock += ms) };
}

describe('ResponseCache', () => {
  test('serves the answer inside the interval, reads again after it', async () => {
    const r = rig();
    const pod = identity('a');
    assert.equal((await r.read(pod, 'secret/data/x')).source, 'vault');
    r.advance(9 * MINUTE);
    assert.equal((await r.read(pod, 'secret/data/x')).source, 'cache');
    r.advance(MINUTE);
    assert.equal((await r.read(pod, 'secret/data/x')).source, 'vault');
    assert.equal(r.vault.reads, 2);
  });

  test('keeps nothing until the Mount commits, and nothing for another identity', async () => {
    const r = rig();
    await r.read(identity('a'), 'secret/data/x', 10 * MINUTE, false);
    assert.equal(r.cache.size, 0);
    await r.read(identity('a'), 'secret/data/x');
    // The same path for another pod, and for the same pod under another role.
    await r.read(identity('b'), 'secret/data/x');
    const otherRole = { ...identity('a'), auth: { mountPath: 'kubernetes', roleName: 'other', audience: 'vault' } };
    assert.equal((await r.read(otherRole, 'secret/data/x')).source, 'vault');
    assert.equal(r.vault.reads, 4);
  });

  test('without an interval it passes every read through and keeps nothing', async () => {
    const r = rig();
    for (const interval of [0, 0, 0]) await r.read(identity('a'), 'secret/data/x', interval);
    assert.equal(r.vault.reads, 3);
    assert.equal(r.cache.size, 0);
  });

  // The bounds are the node's: one pod a path here, so no pod reaches its share (POD_SHARE).
  test('is bounded by entries, least recently served first out', async () => {
    const r = rig({ maxEntries: 2 });
    const [a, b, c] = [identity('a'), identity('b'), identity('c')];
    await r.read(a, 'secret/data/1');
    await r.read(b, 'secret/data/2');
    await r.read(a, 'secret/data/1'); // served: now the most recent
    await r.read(c, 'secret/data/3');
    assert.equal(r.cache.size, 2);
    r.vault.reads = 0;
    assert.equal((await r.read(a, 'secret/data/1')).source, 'cache');
    assert.equal((await r.read(b, 'secret/data/2')).source, 'vault');
  });

  test('is bounded by bytes: large answers push older ones out, one larger than the budget is not kept', async () => {
    const r = rig({ maxBytes: 128 * 1024 });
    r.vault.size = 7000; // about 14.5 KB held each (UTF-16), under a pod's share of 16 KB
    const pods = Array.from({ length: 9 }, (_, i) => identity(`p${i}`));
    for (const pod of pods) await r.read(pod, 'secret/data/x');
    assert.equal(r.cache.size, 8);
    r.vault.reads = 0;
    assert.equal((await r.read(pods[0]!, 'secret/data/x')).source, 'vault', 'the oldest went first');
    r.vault.size = 20_000;
    await r.read(pods[1]!, 'secret/data/huge');
    assert.equal((await r.read(pods[1]!, 'secret/data/huge')).source, 'vault');
  });

  test('one pod past its share pushes out its own oldest answers, never another pod’s', async () => {
    const r = rig({ maxEntries: 80, maxBytes: 128 * 1024 });
    const [bystander, greedy] = [identity('bystander'), identity('greedy')];
    await r.read(bystander, 'secret/data/mine');
    // Many paths: the greedy pod holds at most its share of entries (80 / 8).
    for (let i = 0; i < 100; i += 1) await r.read(greedy, `secret/data/many/${i}`);
    assert.equal(r.cache.size, 1 + 10);
    // Large answers: at most its share of bytes (128 KB / 8), one at a time here.
    r.vault.size = 7000;
    for (let i = 0; i < 20; i += 1) await r.read(greedy, `secret/data/large/${i}`);
    assert.equal(r.cache.size, 1 + 1);
    r.vault.reads = 0;
    assert.equal((await r.read(bystander, 'secret/data/mine')).source, 'cache', 'the bystander keeps its answer');
    assert.equal((await r.read(greedy, 'secret/data/large/19')).source, 'cache', 'its newest answer is kept');
    assert.equal((await r.read(greedy, 'secret/data/large/0')).source, 'vault');
    // A pod's answers dropped when it goes are accounted: it starts again with its whole share.
    r.cache.dropPod('greedy');
    assert.equal(r.cache.size, 1);
  });

  test('a cached answer is served only behind a token Vault issued for the JWT the Mount carries', async () => {
    const r = rig();
    const first = serviceAccountJwt('a', 'first');
    const rotated = serviceAccountJwt('a', 'rotated');
    await r.read(identity('a', first), 'secret/data/x');
    await r.read(identity('a', first), 'secret/data/x');
    assert.deepEqual(r.logins, [first]);
    // Same identity, another JWT: it is shown to Vault (a login) before the answer is served.
    assert.equal((await r.read(identity('a', rotated), 'secret/data/x')).source, 'cache');
    assert.deepEqual(r.logins, [first, rotated]);
    assert.equal(r.vault.reads, 1);
  });

  test('a JWT whose claims name another pod or account is never answered from the cache', async () => {
    const r = rig();
    await r.read(identity('a'), 'secret/data/x');
    assert.equal((await r.read(identity('a', serviceAccountJwt('b', 'x')), 'secret/data/x')).source, 'vault');
    assert.equal((await r.read(identity('a', 'not-a-jwt'), 'secret/data/x')).source, 'vault');
    assert.equal(r.vault.reads, 3);
  });

  test('drops a pod’s answers when its pod is gone', async () => {
    const r = rig();
    await r.read(identity('a'), 'secret/data/x');
    await r.read(identity('a'), 'secret/data/y');
    await r.read(identity('b'), 'secret/data/x');
    r.cache.dropPod('a');
    assert.equal(r.cache.size, 1);
    assert.equal((await r.read(identity('a'), 'secret/data/x')).source, 'vault');
    assert.equal((await r.read(identity('b'), 'secret/data/x')).source, 'cache');
  });
});
