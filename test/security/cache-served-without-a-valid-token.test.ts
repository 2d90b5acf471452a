/**
 * Threat: a cache answers a Mount that carries no proper token for the identity the cache holds.
 * Identity keys (pod uid, service account) come from kubelet, so they match; the token does not
 * (without CSIDriver tokenRequests a pod author writes it): one for another service account, or
 * an expired one. A cached Vault token or credential must answer only a Mount whose JWT is for
 * that identity; any other JWT goes to Vault, whose verdict the Mount gets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { createServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import { DriverEmulator, FAST_RETRY_BACKOFF } from '../support/driver/index.js';
import { startLeaseRig } from '../support/lease-rig.js';

const OBJECTS = `
- {objectName: db-user, secretPath: database/creds/app, secretKey: username}
- {objectName: config, secretPath: secret/data/app, secretKey: username}
`;

test('a Mount presenting another account’s or an expired token is not answered from the caches', async (t) => {
  const issuer = await createServiceAccountIssuer();
  const rig = await startLeaseRig({ issuer });
  t.after(() => rig.stop());
  const pod = rig.pod();
  const target = rig.target('bound');
  const first = await rig.publish(pod, OBJECTS, target);
  rig.vault.stats.reset();
  const again = await rig.publish(pod, OBJECTS, target);
  assert.deepEqual(again.files, first.files);
  assert.equal(rig.vault.stats.logins, 0, 'a proper token is answered from the caches');

  // A CSIDriver without tokenRequests: kubelet adds no tokens key, the pod's attributes carry one.
  const untrusted = new DriverEmulator({
    socketPath: join(rig.dir, 'vault.sock'),
    issuer,
    tokenAudiences: [],
    retryBackoff: FAST_RETRY_BACKOFF,
  });
  t.after(() => untrusted.close());
  const tokens = {
    'another service account': await issuer.sign({
      namespace: pod.namespace,
      serviceAccountName: 'intruder',
      podName: pod.name,
      podUid: pod.uid,
      audiences: ['vault'],
    }),
    'an expired token': await issuer.sign({
      namespace: pod.namespace,
      serviceAccountName: pod.serviceAccountName,
      podName: pod.name,
      podUid: pod.uid,
      audiences: ['vault'],
      ttlSeconds: 600,
      nowMs: Date.now() - 3_600_000,
    }),
  };
  for (const [what, token] of Object.entries(tokens)) {
    rig.vault.stats.reset();
    await assert.rejects(
      untrusted.mount(
        pod,
        {
          spc: { name: 'db', provider: 'vault', parameters: { roleName: 'app', objects: OBJECTS } },
          volumeAttributes: { 'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify({ vault: token }) },
        },
        target,
      ),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.UNAUTHENTICATED, `${what}: ${error.details}`);
        return true;
      },
    );
    assert.equal(rig.vault.stats.logins, 1, `${what}: Vault judged the token`);
  }
  // The pod's proper token is answered from the caches again.
  rig.vault.stats.reset();
  const after = await rig.publish(pod, OBJECTS, target);
  assert.deepEqual(after.files, first.files);
  assert.equal(rig.vault.stats.logins, 0);
});
