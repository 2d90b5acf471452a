import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importSPKI, jwtVerify } from 'jose';
import type { KubeClient } from '../../src/kube/in-cluster.js';
import { KubeApiError } from '../../src/kube/kube-api-error.js';
import { requestServiceAccountToken } from '../../src/kube/token-request.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { DEFAULT_API_AUDIENCE } from '../support/kube-api/token-requests.js';
import { clientFor, TOKEN } from './kube-fixtures.js';

const POD = { namespace: 'team-a', name: 'web-0', uid: '7d1c9a52-1f4e-4b7a-9a3c-2b1f0e9d8c7b', nodeName: 'node-1' };

describe('requestServiceAccountToken', () => {
  let fake: FakeKubeApi;
  let client: KubeClient;

  before(async () => {
    fake = await startFakeKubeApi({ token: TOKEN, tls: true });
    client = clientFor(fake);
    fake.pods.addPod({ ...POD, serviceAccountName: 'app' });
  });
  after(async () => {
    await client.close();
    await fake.stop();
  });

  const request = {
    namespace: POD.namespace,
    serviceAccountName: 'app',
    podName: POD.name,
    podUid: POD.uid,
    audience: 'vault',
  };

  test('mints a pod-bound token for the audience (10 minutes by default) over HTTPS', async () => {
    const before = Date.now();
    const result = await requestServiceAccountToken(client, request);

    const signer = await fake.tokenSigner();
    const { payload } = await jwtVerify(result.token, await importSPKI(signer.publicKeyPem, signer.algorithm), {
      audience: 'vault',
    });
    assert.equal(payload.sub, 'system:serviceaccount:team-a:app');
    assert.deepEqual((payload['kubernetes.io'] as { pod: unknown }).pod, { name: POD.name, uid: POD.uid });
    const expiresMs = Date.parse(result.expirationTimestamp);
    assert.ok(expiresMs >= Math.floor(before / 1000) * 1000 + 600_000 && expiresMs <= Date.now() + 601_000);

    const recorded = fake.tokenRequests.at(-1);
    assert.deepEqual(recorded, {
      namespace: 'team-a',
      serviceAccountName: 'app',
      audiences: ['vault'],
      expirationSeconds: 600,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: POD.name, uid: POD.uid },
    });
    assert.equal(fake.requests.at(-1)?.path, '/api/v1/namespaces/team-a/serviceaccounts/app/token');
  });

  test('no audience → the API server default audience (as the Go provider)', async () => {
    const result = await requestServiceAccountToken(client, {
      namespace: request.namespace,
      serviceAccountName: request.serviceAccountName,
      podName: request.podName,
      podUid: request.podUid,
      expirationSeconds: 900,
    });
    const signer = await fake.tokenSigner();
    await jwtVerify(result.token, await importSPKI(signer.publicKeyPem, signer.algorithm), {
      audience: DEFAULT_API_AUDIENCE,
    });
    assert.deepEqual(fake.tokenRequests.at(-1)?.audiences, []);
    assert.equal(fake.tokenRequests.at(-1)?.expirationSeconds, 900);
  });

  test('403 → error naming create serviceaccounts/token, and no token in the message', async () => {
    fake.failNext(403, 'Forbidden');
    await assert.rejects(requestServiceAccountToken(client, request), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.code, 'ERR_KUBE_FORBIDDEN');
      assert.equal(error.status, 403);
      assert.match(error.message, /"create" on "serviceaccounts\/token"/);
      assert.match(
        error.message,
        /cannot create resource "serviceaccounts\/token" in API group "" in the namespace "team-a"/,
      );
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
  });

  test('a recreated pod (uid mismatch) is a 409 Conflict from the server', async () => {
    await assert.rejects(
      requestServiceAccountToken(client, { ...request, podUid: '00000000-0000-4000-8000-000000000000' }),
      (error: unknown) =>
        error instanceof KubeApiError && error.code === 'ERR_KUBE_CONFLICT' && error.reason === 'Conflict',
    );
  });

  test('expirationSeconds below the API minimum is refused before any request', async () => {
    const since = fake.requests.length;
    await assert.rejects(
      requestServiceAccountToken(client, { ...request, expirationSeconds: 599 }),
      (error: unknown) => error instanceof KubeApiError && error.code === 'ERR_KUBE_INVALID_ARGUMENT',
    );
    assert.equal(fake.requests.length, since);
  });
});
