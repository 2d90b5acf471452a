/**
 * The lease cache against real OpenBao and PostgreSQL, in real time with short TTLs: renewal at
 * the configured share, re-issue before `max_ttl`, revocation when a pod is deleted (the provider
 * runs as in a pod and watches a fake API server), and a restart with `-state-dir`. What the
 * server did is read from its audit log; whether a credential works, from PostgreSQL itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { realServersGate } from './support/binaries.js';
import { waitUntil } from '../support/child-process.js';
import { startRealRig, type RealRig } from './support/real-rig.js';

const NODE_NAME = 'node-1';
const RENEWAL_PERCENT = 50;
const GRACE_PERIOD_SECONDS = 1;

const dbObjects = (role: string): string => `
- {objectName: username, secretPath: database/creds/${role}, secretKey: username}
- {objectName: password, secretPath: database/creds/${role}, secretKey: password}
`;

const seconds = (entry: { time: string }): number => Date.parse(entry.time) / 1000;

describe('real OpenBao: leases of dynamic credentials', realServersGate(), () => {
  let rig: RealRig;
  let kube: FakeKubeApi;
  let stateDir: string;

  before(async () => {
    kube = await startFakeKubeApi({ tls: true, token: 'provider-service-account-token' });
    const { hostname, port } = new URL(kube.baseUrl);
    stateDir = await mkdtemp(join(tmpdir(), 'vcp-state-'));
    const stateKeyFile = join(stateDir, 'state.key');
    await writeFile(stateKeyFile, randomBytes(32), { mode: 0o600 });
    rig = await startRealRig({
      postgres: true,
      inCluster: {
        host: hostname,
        port: Number(port),
        caPem: kube.caPem ?? '',
        token: 'provider-service-account-token',
        namespace: 'csi',
      },
      providerArgs: () => [
        `-lease-renewal-percent=${RENEWAL_PERCENT}`,
        '-revoke-leases-of-deleted-pods',
        `-node-name=${NODE_NAME}`,
        `-lease-revocation-grace-period=${GRACE_PERIOD_SECONDS}s`,
        `-state-dir=${join(stateDir, 'leases')}`,
        `-state-key-file=${stateKeyFile}`,
      ],
    });
  });
  after(async () => {
    await rig.stop();
    await kube.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A service account with its own database role (TTLs in seconds) and revoke rights. */
  async function databaseAccount(name: string, defaultTtl: number, maxTtl: number): Promise<void> {
    await rig.setup.writeDatabaseRole('database', 'postgres', name, {
      defaultTtl: `${defaultTtl}s`,
      maxTtl: `${maxTtl}s`,
    });
    await rig.grant(name, { [`database/creds/${name}`]: ['read'], 'sys/leases/revoke': ['update'] });
  }

  test('a restart with -state-dir serves the same credential without issuing one', async () => {
    await databaseAccount('restart', 600, 3600);
    const pod = rig.pod('restart');
    const target = rig.target();
    const first = await rig.publish(pod, { roleName: 'restart', objects: dbObjects('restart') }, target);
    const mark = rig.bao.audit.mark();
    await rig.restartProvider();
    const again = await rig.publish(pod, { roleName: 'restart', objects: dbObjects('restart') }, target);
    assert.equal(again.files.get('username'), first.files.get('username'));
    assert.deepEqual(again.versions, first.versions);
    assert.equal(rig.bao.audit.issuedLeases({ since: mark, serviceAccount: 'restart' }).length, 0);
    // The restored lease was checked with the server, not trusted blindly.
    assert.ok(rig.bao.audit.responses({ since: mark, path: 'sys/leases/lookup' }).length >= 1);
    assert.equal(await rig.postgres!.canLogIn(again.files.get('username')!, again.files.get('password')!), true);
  });

  describe('in real time', { concurrency: true }, () => {
    test(`renews at ${RENEWAL_PERCENT} % of the TTL and republishes serve the same credential`, async () => {
      const ttl = 10;
      await databaseAccount('renew', ttl, 3600);
      const pod = rig.pod('renew');
      const target = rig.target();
      const mark = rig.bao.audit.mark();
      const first = await rig.publish(pod, { roleName: 'renew', objects: dbObjects('renew') }, target);
      const [issued] = rig.bao.audit.responses({ since: mark, path: 'database/creds/renew' });
      const renewal = await waitUntil(
        'the first lease renewal',
        () => rig.bao.audit.responses({ since: mark, path: 'sys/leases/renew', serviceAccount: 'renew' })[0],
        ttl * 1000 + 5_000,
      );
      assert.equal(renewal.error, undefined);
      const after = seconds(renewal) - seconds(issued!);
      // Due at the share less up to 10 % of the TTL (jitter), seen by a background pass each second.
      const due = (ttl * RENEWAL_PERCENT) / 100;
      assert.ok(after >= due - ttl * 0.1 - 0.1 && after <= due + 1.5, `renewed ${after.toFixed(2)} s after issue`);
      const again = await rig.publish(pod, { roleName: 'renew', objects: dbObjects('renew') }, target);
      assert.equal(again.files.get('username'), first.files.get('username'));
      assert.deepEqual(again.versions, first.versions);
      assert.equal(rig.bao.audit.issuedLeases({ since: mark, serviceAccount: 'renew' }).length, 1);
      // Still valid past its first TTL: the renewal moved PostgreSQL's VALID UNTIL too.
      await sleep(Math.max(0, (seconds(issued!) + ttl + 1) * 1000 - Date.now()));
      assert.equal(await rig.postgres!.canLogIn(first.files.get('username')!, first.files.get('password')!), true);
    });

    test('re-issues before max_ttl; the next republish delivers the new credential', async () => {
      // Above the 5 s before expiry in which the provider no longer serves a credential.
      const ttl = 12;
      const maxTtl = 16;
      await databaseAccount('reissue', ttl, maxTtl);
      const pod = rig.pod('reissue');
      const target = rig.target();
      const mark = rig.bao.audit.mark();
      const first = await rig.publish(pod, { roleName: 'reissue', objects: dbObjects('reissue') }, target);
      const [issued] = rig.bao.audit.responses({ since: mark, path: 'database/creds/reissue' });
      const replacement = await waitUntil(
        'a second credential',
        () => rig.bao.audit.responses({ since: mark, path: 'database/creds/reissue' })[1],
        maxTtl * 1000 + 5_000,
      );
      assert.ok(
        seconds(replacement) < seconds(issued!) + maxTtl,
        `issued ${(seconds(replacement) - seconds(issued!)).toFixed(2)} s after the first, max_ttl ${maxTtl} s`,
      );
      assert.ok(
        rig.bao.audit.responses({ since: mark, path: 'sys/leases/renew', serviceAccount: 'reissue' }).length >= 1,
      );
      // The old credential is not revoked under the running pod: it runs out on its own.
      assert.equal(await rig.postgres!.canLogIn(first.files.get('username')!, first.files.get('password')!), true);
      const next = await rig.publish(pod, { roleName: 'reissue', objects: dbObjects('reissue') }, target);
      assert.notEqual(next.files.get('username'), first.files.get('username'));
      assert.notEqual(next.versions.get('username'), first.versions.get('username'));
      assert.equal(await rig.postgres!.canLogIn(next.files.get('username')!, next.files.get('password')!), true);
      assert.equal(rig.bao.audit.issuedLeases({ since: mark, serviceAccount: 'reissue' }).length, 2);
    });

    test('revokes the leases of a deleted pod after the grace period', async () => {
      await databaseAccount('revoke', 600, 3600);
      const pod = rig.pod('revoke');
      kube.pods.addPod({ ...pod, nodeName: NODE_NAME });
      const published = await rig.publish(pod, { roleName: 'revoke', objects: dbObjects('revoke') });
      const username = published.files.get('username')!;
      assert.deepEqual(await rig.postgres!.roles(username), [username]);
      const mark = rig.bao.audit.mark();
      kube.pods.deletePod(pod.uid);
      const revocation = await waitUntil(
        'the revocation',
        () => rig.bao.audit.responses({ since: mark, path: 'sys/leases/revoke', serviceAccount: 'revoke' })[0],
        15_000,
      );
      assert.equal(revocation.error, undefined);
      // OpenBao dropped the PostgreSQL role: the credential is dead, not merely forgotten.
      await waitUntil('the role to be dropped', async () =>
        (await rig.postgres!.roles(username)).length === 0 ? true : undefined,
      );
      assert.equal(await rig.postgres!.canLogIn(username, published.files.get('password')!), false);
    });
  });
});
