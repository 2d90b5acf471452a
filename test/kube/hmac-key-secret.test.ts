import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { HMAC_KEY_LENGTH_BYTES, loadOrCreateHmacKey } from '../../src/kube/hmac-key-secret.js';
import { MIN_HMAC_KEY_BYTES } from '../../src/config/hmac-key.js';
import type { KubeClient } from '../../src/kube/in-cluster.js';
import { KubeApiError } from '../../src/kube/kube-api-error.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { capturedLogger, clientFor } from './kube-fixtures.js';

const NAMESPACE = 'csi';
const NAME = 'vault-csi-provider-hmac-key';
const SECRET_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets/${NAME}`;
const MIN_KEY_BYTES = MIN_HMAC_KEY_BYTES;
const COLLECTION_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets`;

describe('loadOrCreateHmacKey', () => {
  let fake: FakeKubeApi;
  let client: KubeClient;

  before(async () => {
    fake = await startFakeKubeApi({ token: 'provider-sa-token-0f9e8d7c6b5a' });
    client = clientFor(fake);
  });
  after(async () => {
    await client.close();
    await fake.stop();
  });
  afterEach(() => {
    fake.secrets.delete(NAMESPACE, NAME);
  });

  const calls = (since: number): string[] => fake.requests.slice(since).map((r) => `${r.method} ${r.path} ${r.status}`);

  test('creates an immutable 32-byte key Secret on first use (1 GET 404, 1 POST), as the Go provider does', async () => {
    const { logger, lines } = capturedLogger();
    const since = fake.requests.length;
    const key = await loadOrCreateHmacKey(client, {
      namespace: NAMESPACE,
      secretName: NAME,
      logger,
      minKeyBytes: MIN_KEY_BYTES,
    });

    assert.equal(key.length, HMAC_KEY_LENGTH_BYTES);
    assert.deepEqual(calls(since), [`GET ${SECRET_PATH} 404`, `POST ${COLLECTION_PATH} 201`]);
    const stored = fake.secrets.get(NAMESPACE, NAME);
    assert.equal(stored?.immutable, true);
    assert.equal(stored.type, 'Opaque');
    assert.deepEqual(stored.data, { key: key.toString('base64') });
    const logs = lines.join('');
    assert.match(logs, /created the HMAC key Secret/);
    assert.ok(
      !logs.includes(key.toString('base64')) && !logs.includes(key.toString('hex')),
      'key bytes leaked to logs',
    );
  });

  test('reuses an existing Secret with one GET', async () => {
    const existing = Buffer.alloc(32, 7);
    fake.secrets.put(NAMESPACE, { name: NAME, data: { key: existing }, immutable: true });
    const since = fake.requests.length;
    const key = await loadOrCreateHmacKey(client, {
      namespace: NAMESPACE,
      secretName: NAME,
      logger: capturedLogger().logger,
      minKeyBytes: MIN_KEY_BYTES,
    });
    assert.deepEqual(key, existing);
    assert.deepEqual(calls(since), [`GET ${SECRET_PATH} 200`]);
  });

  test('lost race: another node creates it between our GET and POST (409) → GET again, use theirs', async () => {
    const theirs = Buffer.alloc(32, 9);
    fake.secrets.put(NAMESPACE, { name: NAME, data: { key: theirs }, immutable: true });
    // Our first GET happened before the other node's create: it saw NotFound.
    fake.failNext(404, 'NotFound', { method: 'GET', pathPrefix: SECRET_PATH });
    const since = fake.requests.length;
    const key = await loadOrCreateHmacKey(client, {
      namespace: NAMESPACE,
      secretName: NAME,
      logger: capturedLogger().logger,
      minKeyBytes: MIN_KEY_BYTES,
    });
    assert.deepEqual(key, theirs);
    assert.deepEqual(calls(since), [`GET ${SECRET_PATH} 404`, `POST ${COLLECTION_PATH} 409`, `GET ${SECRET_PATH} 200`]);
  });

  test('concurrent starts on several nodes agree on one key and create it once', async () => {
    const since = fake.requests.length;
    const keys = await Promise.all(
      [1, 2, 3].map(() =>
        loadOrCreateHmacKey(client, {
          namespace: NAMESPACE,
          secretName: NAME,
          logger: capturedLogger().logger,
          minKeyBytes: MIN_KEY_BYTES,
        }),
      ),
    );
    assert.deepEqual(keys[1], keys[0]);
    assert.deepEqual(keys[2], keys[0]);
    assert.equal(calls(since).filter((c) => c === `POST ${COLLECTION_PATH} 201`).length, 1);
  });

  for (const [label, data] of [
    ['empty key', { key: Buffer.alloc(0) }],
    ['no key entry', { other: Buffer.from('x') }],
    ['no data at all', undefined],
  ] as const) {
    test(`${label} → error telling the admin to delete the Secret`, async () => {
      fake.secrets.put(NAMESPACE, { name: NAME, ...(data === undefined ? {} : { data }), immutable: true });
      await assert.rejects(
        loadOrCreateHmacKey(client, {
          namespace: NAMESPACE,
          secretName: NAME,
          logger: capturedLogger().logger,
          minKeyBytes: MIN_KEY_BYTES,
        }),
        (error: unknown) => {
          assert.ok(error instanceof KubeApiError);
          assert.equal(error.code, 'ERR_KUBE_HMAC_KEY_INVALID');
          assert.match(error.message, /Secret "csi\/vault-csi-provider-hmac-key" has no usable data\.key/);
          assert.match(error.message, /kubectl -n csi delete secret vault-csi-provider-hmac-key/);
          return true;
        },
      );
    });
  }

  test('403 → error naming the RBAC the provider needs', async () => {
    fake.failNext(403, 'Forbidden', { method: 'GET' });
    await assert.rejects(
      loadOrCreateHmacKey(client, {
        namespace: NAMESPACE,
        secretName: NAME,
        logger: capturedLogger().logger,
        minKeyBytes: MIN_KEY_BYTES,
      }),
      (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.code, 'ERR_KUBE_FORBIDDEN');
        assert.equal(error.status, 403);
        assert.equal(error.reason, 'Forbidden');
        assert.match(error.message, /"get" on secrets with resourceNames \["vault-csi-provider-hmac-key"\]/);
        assert.match(error.message, /"create" on secrets/);
        assert.match(error.message, /in namespace "csi"/);
        // The server's own message is kept: it names the user and the verb that was refused.
        assert.match(error.message, /cannot get resource "secrets" in API group "" in the namespace "csi"/);
        return true;
      },
    );
  });

  test('403 on create (get allowed) names the same RBAC', async () => {
    fake.failNext(403, 'Forbidden', { method: 'POST' });
    await assert.rejects(
      loadOrCreateHmacKey(client, {
        namespace: NAMESPACE,
        secretName: NAME,
        logger: capturedLogger().logger,
        minKeyBytes: MIN_KEY_BYTES,
      }),
      (error: unknown) =>
        error instanceof KubeApiError &&
        error.code === 'ERR_KUBE_FORBIDDEN' &&
        error.message.includes('cannot create resource "secrets"'),
    );
  });

  test('other failures keep their code (a 503 stays retryable)', async () => {
    fake.failNext(503, 'ServiceUnavailable');
    await assert.rejects(
      loadOrCreateHmacKey(client, {
        namespace: NAMESPACE,
        secretName: NAME,
        logger: capturedLogger().logger,
        minKeyBytes: MIN_KEY_BYTES,
      }),
      (error: unknown) =>
        error instanceof KubeApiError && error.code === 'ERR_KUBE_UNAVAILABLE' && error.status === 503,
    );
  });
});
