/**
 * `-token-request-fallback` through the socket: the driver emulator has no tokenRequests (the
 * CSIDriver of an older install), the provider mints a pod-bound token from the fake API server,
 * whose signing key the dev Vault trusts, and logs in with it. Kubernetes failures reach the pod
 * as gRPC status with an actionable message.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { DriverEmulator, FAST_RETRY_BACKOFF } from '../support/driver/index.js';
import { SAMPLE, spcParameters, type Harness } from '../support/harness.js';
import type { FakeKubeApi } from '../support/kube-api/index.js';
import { startTokenRequestFallbackHarness } from '../kube/kube-fixtures.js';

const OBJECTS = spcParameters(`
- objectName: password
  secretPath: secret/data/app
  secretKey: password
`);

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && 'code' in error && 'details' in error;
}

describe('TokenRequest fallback (driver without tokenRequests)', () => {
  let fake: FakeKubeApi;
  let h: Harness;
  let stop: () => Promise<void>;

  before(async () => {
    ({ fake, h, stop } = await startTokenRequestFallbackHarness());
  });
  after(() => stop());

  function pod(): ReturnType<Harness['appPod']> {
    const uid = randomUUID();
    const appPod = h.appPod({ serviceAccountName: 'app', uid });
    fake.pods.addPod({
      namespace: appPod.namespace,
      name: appPod.name,
      uid,
      nodeName: 'node-1',
      serviceAccountName: 'app',
    });
    return appPod;
  }

  test('mints a 10-minute token bound to the pod, for the audience, and mounts with it', async () => {
    const appPod = pod();
    const since = fake.tokenRequests.length;
    const outcome = await h.mount(appPod, OBJECTS);
    assert.equal(outcome.files[0]?.contents.toString(), SAMPLE.kv2.data.password);
    assert.deepEqual(fake.tokenRequests.slice(since), [
      {
        namespace: 'default',
        serviceAccountName: 'app',
        audiences: ['vault'],
        expirationSeconds: 600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: appPod.name, uid: appPod.uid },
      },
    ]);
    const audit = h.logs.filter((line) => line.includes('"audit":true')).at(-1) ?? '';
    assert.match(audit, /"result":"ok"/);
    assert.doesNotMatch(h.logs.join('\n'), /eyJ[\w-]+\.eyJ/, 'no JWT in the logs');
  });

  test('a republish reuses the minted token: one TokenRequest per pod, not per Mount', async () => {
    const appPod = pod();
    const target = h.target();
    const since = fake.tokenRequests.length;
    for (let publish = 0; publish < 3; publish++) await h.mount(appPod, OBJECTS, target);
    assert.equal(fake.tokenRequests.length - since, 1);
    // Another pod never gets the first pod's token: it has a TokenRequest of its own.
    const other = pod();
    await h.mount(other, OBJECTS);
    assert.deepEqual(
      fake.tokenRequests.slice(since).map((request) => request.boundObjectRef?.uid),
      [appPod.uid, other.uid],
    );
  });

  test('403 from the API server → Unauthenticated naming the RBAC the provider needs', async () => {
    fake.failNext(403, 'Forbidden', { method: 'POST', pathPrefix: '/api/v1/namespaces/default/serviceaccounts/' });
    await assert.rejects(h.mount(pod(), OBJECTS), (error: unknown) => {
      assert.ok(isServiceError(error));
      assert.equal(error.code, GrpcStatus.UNAUTHENTICATED);
      assert.match(
        error.details,
        /TokenRequest fallback: cannot mint a token with audience "vault" for service account "default\/app"/,
      );
      assert.match(error.details, /ClusterRole allowing "create" on "serviceaccounts\/token"/);
      return true;
    });
  });

  test('the API server unavailable → Unavailable (the driver retries)', async () => {
    // The driver's service config retries Unavailable (3 attempts): every one fails here.
    for (let attempt = 0; attempt < 3; attempt++) fake.failNext(503, 'ServiceUnavailable', { method: 'POST' });
    await assert.rejects(h.mount(pod(), OBJECTS), (error: unknown) => {
      assert.ok(isServiceError(error));
      assert.equal(error.code, GrpcStatus.UNAVAILABLE);
      assert.match(error.details, /TokenRequest fallback: .*HTTP 503/);
      return true;
    });
  });

  test('an audience the operator did not list is refused before any TokenRequest, naming the flag', async () => {
    const since = fake.tokenRequests.length;
    // A token for the API server's audience, sent wherever the SPC's vaultAddress points, would
    // let its author act as the pod's service account against the cluster.
    for (const audience of ['https://kubernetes.default.svc.cluster.local', 'sts.amazonaws.com']) {
      await assert.rejects(h.mount(pod(), { ...OBJECTS, audience }), (error: unknown) => {
        assert.ok(isServiceError(error));
        assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
        assert.match(error.details, /parameter "audience": .*-token-request-audiences \("vault"\), not "/);
        assert.ok(error.details.includes(JSON.stringify(audience)));
        return true;
      });
    }
    assert.equal(fake.tokenRequests.length, since, 'no token was minted');
  });

  test('a pod that no longer exists gets no token', async () => {
    const gone = h.appPod({ serviceAccountName: 'app' });
    await assert.rejects(h.mount(gone, OBJECTS), (error: unknown) => {
      assert.ok(isServiceError(error));
      assert.equal(error.code, GrpcStatus.UNAUTHENTICATED);
      assert.match(error.details, /the pod no longer exists with this uid/);
      return true;
    });
  });

  test('a token from the driver is used as is: no TokenRequest', async () => {
    const driver = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: await fake.tokenSigner(),
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    try {
      const since = fake.tokenRequests.length;
      const outcome = await driver.mount(pod(), { spc: h.spc(OBJECTS) }, h.target());
      assert.equal(outcome.files[0]?.contents.toString(), SAMPLE.kv2.data.password);
      assert.equal(fake.tokenRequests.length, since);
    } finally {
      driver.close();
    }
  });
});
