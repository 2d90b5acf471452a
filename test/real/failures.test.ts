/**
 * What goes wrong on a real server, and how the provider comes back: a pod's Vault token revoked
 * by an operator, OpenBao sealed and unsealed (with and without a namespace). Sequential: a
 * sealed server fails every request of the file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { realServersGate } from './support/binaries.js';
import { waitUntil } from '../support/child-process.js';
import { startRealRig, type RealRig } from './support/real-rig.js';

interface ServiceError {
  readonly code: number;
  readonly details: string;
}

const KV_OBJECT = '- {objectName: value, secretPath: secret/data/failures, secretKey: value}';

describe('real OpenBao: failures and recovery', realServersGate(), () => {
  let rig: RealRig;
  before(async () => {
    // A short open period, so recovery after unseal is seen within seconds.
    rig = await startRealRig({ providerArgs: () => ['-vault-circuit-open-duration=1s'] });
    await rig.setup.writeKv2('secret', 'failures', { value: 'still-here' });
  });
  after(() => rig.stop());

  /** Revokes every token OpenBao issued to a service account, as an operator would. */
  async function revokeTokensOf(serviceAccount: string): Promise<number> {
    const list = await rig.bao.root.read('auth/token/accessors?list=true');
    let revoked = 0;
    for (const accessor of (list.data as { keys: string[] }).keys) {
      const lookup = await rig.bao.root.write('auth/token/lookup-accessor', { accessor });
      const meta = (lookup?.data as { meta?: Record<string, string> | null }).meta;
      if (meta?.service_account_name !== serviceAccount) continue;
      await rig.bao.root.write('auth/token/revoke-accessor', { accessor });
      revoked++;
    }
    return revoked;
  }

  test('a revoked Vault token: the provider logs in again once and the mount succeeds', async () => {
    await rig.grant('revoked', { 'secret/data/failures': ['read'] });
    const pod = rig.pod('revoked');
    const target = rig.target();
    const mark = rig.bao.audit.mark();
    await rig.publish(pod, { roleName: 'revoked', objects: KV_OBJECT }, target);
    assert.equal(await revokeTokensOf('revoked'), 1);
    const again = await rig.publish(pod, { roleName: 'revoked', objects: KV_OBJECT }, target);
    assert.equal(again.files.get('value'), 'still-here');
    assert.equal(rig.bao.audit.logins({ since: mark, serviceAccount: 'revoked' }).length, 2);
    const refused = rig.bao.audit
      .responses({ since: mark, path: 'secret/data/failures' })
      .filter((entry) => entry.error !== undefined);
    assert.equal(refused.length, 1, 'one read refused with the revoked token, then one with the new token');
  });

  /** Seals OpenBao, proves mounts fail as Unavailable naming the seal, unseals, waits for recovery. */
  async function sealAndRecover(parameters: Record<string, string>, serviceAccount: string): Promise<void> {
    const pod = rig.pod(serviceAccount);
    const target = rig.target();
    await rig.publish(pod, parameters, target);
    await rig.bao.seal();
    try {
      await assert.rejects(rig.publish(pod, parameters, target), (error: ServiceError) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details, /sealed/i);
        return true;
      });
    } finally {
      await rig.bao.unseal();
    }
    // Vault has recovered once its active node answers sys/health 200 (unsealing takes a moment).
    await waitUntil('OpenBao to be active again', async () =>
      (await rig.bao.root.call('GET', 'sys/health')).status === 200 ? true : undefined,
    );
    // Issue 10: the breaker's open interval (500 ms) ends with a probe that closes it for the very
    // request that made it, so Mounts (retried as the driver does) succeed within a second.
    const recovered = await waitUntil(
      'a mount to succeed within 1 s of recovery',
      async () => (await rig.publish(pod, parameters, target)).files.get('value'),
      1_000,
    );
    assert.equal(recovered, 'still-here');
  }

  test('sealed, then unsealed: Unavailable while sealed, mounts again after unseal', async () => {
    await rig.grant('sealed', { 'secret/data/failures': ['read'] });
    await sealAndRecover({ roleName: 'sealed', objects: KV_OBJECT }, 'sealed');
  });

  test(
    'sealed, then unsealed, with a namespace: mounts again after unseal',
    // OpenBao answers a namespaced sys/health with 400: the breaker's probe goes without the header.
    async () => {
      await rig.bao.createNamespace('sealing');
      const inside = rig.setup.inNamespace('sealing');
      await inside.enableKubernetesAuth('kubernetes', {
        kubernetesHost: rig.tokenReview.url,
        kubernetesCaPem: rig.bao.tls.caCertPem,
      });
      await inside.enableKv('secret', 2);
      await inside.writeKv2('secret', 'failures', { value: 'still-here' });
      await inside.writePolicy('sealed-ns', { 'secret/data/failures': ['read'] });
      await inside.writeKubernetesRole('kubernetes', 'sealed-ns', {
        serviceAccountNames: ['sealed-ns'],
        namespaces: ['default'],
        policies: ['sealed-ns'],
      });
      await sealAndRecover({ roleName: 'sealed-ns', vaultNamespace: 'sealing', objects: KV_OBJECT }, 'sealed-ns');
    },
  );
});
