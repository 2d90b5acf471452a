/**
 * The lease cache merges identical reads in flight (two Mounts of one pod at once must not mint
 * two credentials) and honours each caller's cancellation: a caller giving up rejects only that
 * caller, and the shared read is aborted only when every caller has given up.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeasedSecretCache } from '../../src/leases/leased-secret-cache.js';
import type { VaultLeaseClient } from '../../src/leases/vault-lease-client.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SecretReader } from '../../src/vault/secret-reader.js';
import type { TokenCache } from '../../src/vault/token-cache.js';
import type { VaultIdentity } from '../../src/vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../../src/vault/vault-request.js';

const identity: VaultIdentity = {
  pod: { namespace: 'app', name: 'web', uid: 'uid-1', serviceAccountName: 'app' },
  connection: { address: 'http://vault.invalid:8200', tls: { skipVerify: false } },
  auth: { mountPath: 'kubernetes', roleName: 'app', audience: 'vault' },
  jwt: 'jwt',
};
const request: VaultRequest = { method: 'GET', path: '/v1/secret/data/app', query: {}, key: 'GET /v1/secret/data/app' };

/** A reader whose reads stay in flight until the test answers them; it records the signals it got. */
function heldReader() {
  const reads: { signal: AbortSignal; answer: (secret: VaultSecret) => void }[] = [];
  const reader = {
    read: (_identity: VaultIdentity, _request: VaultRequest, _subject: string, signal: AbortSignal) =>
      new Promise<VaultSecret>((resolve, reject) => {
        reads.push({ signal, answer: resolve });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
  return { reader: reader as unknown as SecretReader, reads };
}

function cacheWith(reader: SecretReader): LeasedSecretCache {
  return new LeasedSecretCache({
    maxEntries: 10,
    leaseShare: 2 / 3,
    certificateShare: 2 / 3,
    jitter: 0,
    reader,
    // Static secrets never reach the token cache or the lease client.
    tokens: {} as unknown as TokenCache,
    client: {} as unknown as VaultLeaseClient,
    logger: createLogger('off'),
    now: () => 0,
    backgroundTimeoutMs: 1000,
  });
}

describe('LeasedSecretCache: identical reads in flight', () => {
  test('share one read; a caller that gives up leaves alone, the others get the answer', async () => {
    const { reader, reads } = heldReader();
    const cache = cacheWith(reader);
    const leaving = new AbortController();
    const a = cache.read(identity, request, 'object "a"', leaving.signal);
    const b = cache.read(identity, request, 'object "b"', new AbortController().signal);
    assert.equal(reads.length, 1, 'one read for both callers');
    leaving.abort(new Error('pod A gave up'));
    await assert.rejects(a, /pod A gave up/);
    assert.equal(reads[0]!.signal.aborted, false, 'the shared read goes on for the caller still waiting');
    reads[0]!.answer({ data: { password: 's3cret' } });
    assert.deepEqual(await b, { secret: { data: { password: 's3cret' } }, source: 'vault' });
  });

  test('the shared read is aborted once every caller has given up', async () => {
    const { reader, reads } = heldReader();
    const cache = cacheWith(reader);
    const first = new AbortController();
    const second = new AbortController();
    const a = cache.read(identity, request, 'object "a"', first.signal);
    const b = cache.read(identity, request, 'object "b"', second.signal);
    first.abort(new Error('A: deadline'));
    await assert.rejects(a, /A: deadline/);
    assert.equal(reads[0]!.signal.aborted, false);
    second.abort(new Error('B: cancelled'));
    await assert.rejects(b, /B: cancelled/);
    assert.equal(reads[0]!.signal.aborted, true);
    // A later read starts afresh.
    const c = cache.read(identity, request, 'object "c"', new AbortController().signal);
    assert.equal(reads.length, 2);
    reads[1]!.answer({ data: {} });
    await c;
  });
});
