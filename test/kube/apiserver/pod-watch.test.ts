/**
 * The node-scoped pod watch against the real API server, as the chart's ServiceAccount with the
 * leaseRevocation RBAC: real resourceVersions, the field selector, bookmarks, and the provider
 * revoking a deleted pod's Vault lease, also when the pod was created and deleted while the
 * watch was down and the API server restarted in between (410 → an immediate re-list).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeClient } from '../../../src/kube/in-cluster.js';
import { PodWatcher } from '../../../src/kube/pod-watcher.js';
import { startLeaseRig, type LeaseRig } from '../../support/lease-rig.js';
import { capturedLogger, waitFor } from '../kube-fixtures.js';
import { kubeTierGate, startKubeApiServer, type KubeApiServer } from './support/api-server.js';
import { startCable, type Cable } from './support/cable.js';
import { waitUntil } from './support/processes.js';
import { chartIdentity, type ChartIdentity } from './support/chart-identity.js';
import { apiServerTokenIssuer, createPod, createServiceAccount, deletePod } from './support/cluster.js';

const NODE = 'node-watch';
const OTHER_NODE = 'node-elsewhere';
const GRACE_MS = 5_000;
const DATABASE_CREDENTIAL = `
- objectName: db-user
  secretPath: database/creds/app
  secretKey: username
`;

describe('kube tier: the pod watch and lease revocation on a real API server', kubeTierGate(), () => {
  let server: KubeApiServer;
  let identity: ChartIdentity;
  let client: KubeClient;

  const appPod = (nodeName = NODE) =>
    createPod(server.admin, { namespace: 'default', serviceAccountName: 'app', nodeName });

  before(async () => {
    server = await startKubeApiServer();
    identity = await chartIdentity(server, { namespace: 'csi', set: ['leaseRevocation.enabled=true'] });
    client = identity.client();
    // The Vault role of the lease rig binds service account default/app.
    await createServiceAccount(server.admin, 'default', 'app');
  });
  after(async () => {
    await client.close();
    await server.stop();
  });

  describe('PodWatcher', () => {
    test('lists and watches only this node’s pods, from the server’s own resourceVersions', async () => {
      const here = await appPod();
      const elsewhere = await appPod(OTHER_NODE);
      const gone: string[] = [];
      const { logger } = capturedLogger();
      const watcher = new PodWatcher(client, { nodeName: NODE, logger, onPodGone: (uid) => gone.push(uid) });
      watcher.start();
      try {
        await watcher.whenSynced();
        assert.ok(watcher.isKnownLive(here.uid));
        assert.ok(!watcher.isKnownLive(elsewhere.uid));
        assert.match(watcher.resourceVersion ?? '', /^\d+$/);
        const added = await appPod();
        await waitFor('ADDED', () => watcher.isKnownLive(added.uid), 10_000);
        await deletePod(server.admin, elsewhere);
        await deletePod(server.admin, added);
        await waitFor('DELETED', () => gone.includes(added.uid), 10_000);
        assert.deepEqual(gone, [added.uid], 'a pod of another node is not ours');
        await deletePod(server.admin, here);
      } finally {
        await watcher.stop();
      }
    });

    test('a bookmark moves the resourceVersion past other nodes’ changes; the next watch resumes from it', async () => {
      const ownCalls = async (verb: string) =>
        (await server.auditEvents()).filter(
          (event) => event.user.username === identity.username && event.verb === verb,
        );
      const listsBefore = (await ownCalls('list')).length;
      const { logger } = capturedLogger();
      // The server sends a bookmark shortly before a watch's timeout, then ends the watch.
      const watcher = new PodWatcher(client, {
        nodeName: NODE,
        logger,
        onPodGone: () => undefined,
        watchTimeoutSeconds: 4,
      });
      watcher.start();
      try {
        await watcher.whenSynced();
        const elsewhere = await appPod(OTHER_NODE);
        await waitFor(
          'a bookmark at or past the other node’s pod',
          () => BigInt(watcher.resourceVersion ?? '0') >= BigInt(elsewhere.resourceVersion),
          15_000,
        );
        const bookmarked = watcher.resourceVersion;
        await waitUntil(
          'a watch from the bookmarked resourceVersion',
          async () =>
            (await ownCalls('watch')).some(
              (event) => new URL(event.requestURI, server.url).searchParams.get('resourceVersion') === bookmarked,
            ),
          { timeoutMs: 15_000 },
        );
        assert.equal((await ownCalls('list')).length, listsBefore + 1, 'resumed without a re-list');
        await deletePod(server.admin, elsewhere);
      } finally {
        await watcher.stop();
      }
    });
  });

  describe('the provider', () => {
    let rig: LeaseRig;
    let cable: Cable;
    let providerClient: KubeClient;

    before(async () => {
      cable = await startCable(server.url);
      providerClient = new KubeClient({
        baseUrl: cable.url,
        namespace: identity.namespace,
        token: identity.token,
        caPem: server.caPem,
      });
      rig = await startLeaseRig({
        kubeClient: providerClient,
        issuer: apiServerTokenIssuer(server),
        providerArgs: [
          '-revoke-leases-of-deleted-pods',
          `-node-name=${NODE}`,
          `-lease-revocation-grace-period=${GRACE_MS / 1000}s`,
        ],
        extraPolicy: [{ path: 'sys/leases/revoke', capabilities: ['update'] }],
      });
    });
    after(async () => {
      await rig.stop();
      await providerClient.close();
      await cable.close();
    });

    const pending = () => rig.provider.leases.revoker?.pending ?? 0;

    test('revokes a deleted pod’s lease after the grace period; a live pod’s lease stays', async () => {
      const [doomed, staying] = [await appPod(), await appPod()];
      const gone = await rig.publish(doomed, DATABASE_CREDENTIAL, rig.target('doomed'));
      const kept = await rig.publish(staying, DATABASE_CREDENTIAL, rig.target('staying'));
      const [goneUser, keptUser] = [gone.files.get('db-user')!, kept.files.get('db-user')!];
      await deletePod(server.admin, doomed);
      await waitFor('the deletion seen by the watch', () => pending() === 1, 10_000);
      await rig.advance(GRACE_MS - 1_000);
      assert.equal(rig.vault.isCredentialValid(goneUser), true, 'not before the grace period');
      await rig.advance(1_000);
      assert.equal(rig.vault.isCredentialValid(goneUser), false, 'revoked after it');
      assert.equal(rig.vault.isCredentialValid(keptUser), true);
      await deletePod(server.admin, staying);
      await waitFor('the second deletion', () => pending() === 1, 10_000);
      await rig.advance(GRACE_MS);
    });

    test('a pod created, mounted and deleted while the watch was down and the API server restarted', async () => {
      const staying = await appPod();
      const kept = await rig.publish(staying, DATABASE_CREDENTIAL, rig.target('kept'));
      const startLogs = rig.logs.length;

      cable.unplug();
      await server.restart(); // a new watch cache: the provider's resourceVersion is history now
      const unseen = await appPod();
      const mounted = await rig.publish(unseen, DATABASE_CREDENTIAL, rig.target('unseen'));
      await deletePod(server.admin, unseen);
      const unseenUser = mounted.files.get('db-user')!;
      assert.equal(pending(), 0, 'the watch saw nothing of it');

      cable.plug();
      const pluggedAt = Date.now();
      await waitFor('the re-list to find the unseen pod gone', () => pending() === 1, 20_000);
      const tookMs = Date.now() - pluggedAt;
      const logs = rig.logs.slice(startLogs).join('\n');
      assert.match(logs, /pod watch resourceVersion expired; re-listing/);
      await rig.advance(GRACE_MS);
      assert.equal(rig.vault.isCredentialValid(unseenUser), false, 'revoked after the re-list and the grace period');
      assert.equal(rig.vault.isCredentialValid(kept.files.get('db-user')!), true);
      // Re-listing at once on 410: only the backoff of the outage itself (at most ~8 s) precedes it.
      assert.ok(tookMs < 10_000, `re-listed ${tookMs} ms after the API server was reachable again`);
    });
  });
});
