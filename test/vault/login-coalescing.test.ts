import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenCache, type VaultToken } from '../../src/vault/token-cache.js';
import type { VaultIdentity } from '../../src/vault/vault-identity.js';

function identity(uid: string): VaultIdentity {
  return {
    pod: { namespace: 'default', name: `app-${uid}`, uid, serviceAccountName: 'app' },
    connection: { address: 'https://vault:8200', tls: { skipVerify: false } },
    auth: { mountPath: 'kubernetes', roleName: 'app', audience: 'vault' },
    jwt: 'header.payload.signature',
  };
}

describe('login coalescing per identity', () => {
  test('one login for concurrent Mounts of a pod; one giving up does not fail the other', async () => {
    let logins = 0;
    let release!: () => void;
    const cache = new TokenCache(
      () => {
        logins += 1;
        return new Promise<VaultToken>((resolve) => (release = () => resolve({ token: 't', issuedAtMs: 0 })));
      },
      { maxEntries: 10 },
    );
    const leaving = new AbortController();
    const first = cache.acquire(identity('a'), leaving.signal);
    const second = cache.acquire(identity('a'), new AbortController().signal);
    leaving.abort(new Error('driver cancelled'));
    await assert.rejects(first, /driver cancelled/);
    release();
    assert.equal((await second).token.token, 't');
    assert.equal(logins, 1);
  });

  test('different pods never share a login', async () => {
    const seen: string[] = [];
    const cache = new TokenCache(
      (who) => {
        seen.push(who.pod.uid);
        return Promise.resolve({ token: `t-${who.pod.uid}`, issuedAtMs: 0 });
      },
      { maxEntries: 10 },
    );
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([cache.acquire(identity('a'), signal), cache.acquire(identity('b'), signal)]);
    assert.deepEqual([a.token.token, b.token.token], ['t-a', 't-b']);
    assert.deepEqual(seen.sort(), ['a', 'b']);
  });
});
