import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { LeaseStateStore } from '../../src/leases/lease-state-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { DB_AND_CERT, startLeaseRig, startLeaseRigWithKube } from '../support/lease-rig.js';
import { waitFor } from '../support/wait-for.js';

const M = 'vault_csi_provider_';
const KUBE_TOKEN = 'provider-sa-token-lease-tests-7c1d';

test('a deleted pod’s leases are revoked after the grace period; other pods’ are untouched', async (t) => {
  const { kube, rig } = await startLeaseRigWithKube(t, KUBE_TOKEN, {
    providerArgs: ['-revoke-leases-of-deleted-pods', '-node-name=node-1', '-lease-revocation-grace-period=30s'],
    extraPolicy: [{ path: 'sys/leases/revoke', capabilities: ['update'] }],
  });
  const gone = rig.pod();
  const stays = rig.pod();
  for (const pod of [gone, stays]) kube.pods.addPod({ ...pod, nodeName: 'node-1' });
  const a = await rig.publish(gone, DB_AND_CERT, rig.target('gone'));
  const b = await rig.publish(stays, DB_AND_CERT, rig.target('stays'));
  await waitFor('the pod watch', () => kube.pods.activeWatches === 1);

  kube.pods.deletePod(gone.uid);
  await waitFor('the deletion to be seen', () => rig.provider.leases.revoker?.pending === 1);
  await rig.advance(29_000);
  assert.equal(rig.vault.isCredentialValid(a.files.get('db-user') ?? ''), true, 'not before the grace period');
  await rig.advance(1_000);
  assert.equal(rig.vault.isCredentialValid(a.files.get('db-user') ?? ''), false, 'revoked after it');
  assert.equal(rig.vault.isCredentialValid(b.files.get('db-user') ?? ''), true, 'the other pod keeps its lease');
  assert.equal(await rig.metric(`${M}lease_revocations_total`, { result: 'ok' }), 1);
  assert.ok(!rig.logs.join('\n').includes(KUBE_TOKEN));
});

test('without sys/leases/revoke in the policy, a revocation is denied, logged and counted, not fatal', async (t) => {
  const { kube, rig } = await startLeaseRigWithKube(t, KUBE_TOKEN, {
    providerArgs: ['-revoke-leases-of-deleted-pods', '-node-name=node-1', '-lease-revocation-grace-period=1s'],
  });
  const pod = rig.pod();
  kube.pods.addPod({ ...pod, nodeName: 'node-1' });
  const published = await rig.publish(pod, DB_AND_CERT, rig.target('denied'));
  await waitFor('the pod watch', () => kube.pods.activeWatches === 1);
  kube.pods.deletePod(pod.uid);
  await waitFor('the deletion to be seen', () => rig.provider.leases.revoker?.pending === 1);
  await rig.advance(1_000);
  assert.equal(await rig.metric(`${M}lease_revocations_total`, { result: 'denied' }), 1);
  assert.ok(rig.logs.some((line) => line.includes('sys/leases/revoke') && line.includes('"level":"warn"')));
  assert.equal(rig.vault.isCredentialValid(published.files.get('db-user') ?? ''), true);
  assert.equal(rig.provider.isServing(), true);
});

test('a provider restart with the same state dir and key serves the same credential, no new lease', async (t) => {
  const stateDir = join(await (await import('node:fs/promises')).mkdtemp('/tmp/vcp-state-'), 'state');
  const keyFile = `${stateDir}.key`;
  await writeFile(keyFile, randomBytes(32).toString('base64'));
  const rig = await startLeaseRig({ providerArgs: [`-state-dir=${stateDir}`, `-state-key-file=${keyFile}`] });
  t.after(() => rig.stop());
  const pod = rig.pod();
  const target = rig.target('restart');
  const first = await rig.publish(pod, DB_AND_CERT, target);
  await rig.restartProvider();
  assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
  rig.vault.stats.reset();
  await rig.advance(10_000);
  const next = await rig.publish(pod, DB_AND_CERT, target);
  assert.deepEqual(next.files, first.files);
  assert.deepEqual(next.versions, first.versions);
  assert.equal(rig.vault.stats.leasesIssued, 0);
  assert.equal(rig.vault.stats.certificatesIssued, 0);
  const password = first.files.get('db-pass') ?? '';
  const { readFile } = await import('node:fs/promises');
  const state = await readFile(join(stateDir, 'lease-cache.state'));
  assert.ok(!state.includes(password) && !state.includes(first.files.get('db-user') ?? ''), 'state is encrypted');

  // A wrong key: start empty, say so, and issue anew.
  await writeFile(keyFile, randomBytes(32));
  await rig.restartProvider();
  assert.ok(rig.logs.some((line) => line.includes('starting with an empty lease cache')));
  const fresh = await rig.publish(pod, DB_AND_CERT, target);
  assert.notEqual(fresh.files.get('db-user'), first.files.get('db-user'));
});

test('Vault unavailable during renewal: backoff, the cached credential is served, failure in metrics and logs', async (t) => {
  // The HTTP layer's circuit breaker (docs/resilience.md) opens on the 503s; let it probe soon.
  const rig = await startLeaseRig({ providerArgs: ['-vault-circuit-open-duration=50ms'] });
  t.after(() => rig.stop());
  const pod = rig.pod();
  const target = rig.target('outage');
  const objects = '- {objectName: u, secretPath: database/creds/app, secretKey: username}';
  const first = await rig.publish(pod, objects, target);
  rig.vault.setFault({ kind: 'status', status: 503, pathPrefix: '/v1/sys/leases/renew' });
  rig.vault.stats.reset();
  // Our attempts, counted by the metric: one attempt may be several HTTP requests when the HTTP
  // layer retries a 503 itself (docs/resilience.md).
  const attempts = () => rig.metric(`${M}lease_renewal_failures_total`, { operation: 'renew' });
  await rig.advance(200_000); // 2/3 of 300 s: the first attempt fails
  assert.equal(await attempts(), 1);
  assert.ok(rig.vault.stats.requests.some((r) => r.path === '/v1/sys/leases/renew' && r.status === 503));
  await rig.advance(999);
  assert.equal(await attempts(), 1, 'waits 1 s');
  await rig.advance(1);
  assert.equal(await attempts(), 2);
  await rig.advance(1_999);
  assert.equal(await attempts(), 2, 'then 2 s');
  await rig.advance(1);
  assert.equal(await attempts(), 3);
  assert.ok(rig.logs.some((line) => line.includes('could not renew or re-issue a cached credential')));
  const during = await rig.publish(pod, objects, target);
  assert.deepEqual(during.versions, first.versions, 'the cached credential is still served');
  rig.vault.setFault(null);
  for (let step = 0; step < 10 && (await rig.metric(`${M}lease_renewals_total`, { result: 'ok' })) === 0; step++) {
    await sleep(100); // a circuit breaker in the HTTP layer may need its probe first
    await rig.advance(4_000);
  }
  assert.equal(await rig.metric(`${M}lease_renewals_total`, { result: 'ok' }), 1);
  assert.equal(rig.vault.isCredentialValid(first.files.get('u') ?? ''), true);
  assert.equal(rig.vault.stats.leasesIssued, 0);
});

test('the token behind cached leases is kept alive; at its max TTL the lease moves to a new token first', async (t) => {
  const rig = await startLeaseRig({ database: { defaultTtlSeconds: 600, maxTtlSeconds: 7200 } });
  t.after(() => rig.stop());
  // Pod tokens live 300 s (renewable to 900 s); the lease lives 600 s and renews up to 7200 s.
  rig.vault.writeKubernetesRole('kubernetes', 'app', {
    boundServiceAccountNames: ['app'],
    boundServiceAccountNamespaces: ['default'],
    audience: 'vault',
    policies: ['app-read'],
    ttlSeconds: 300,
    maxTtlSeconds: 900,
  });
  const pod = rig.pod();
  const target = rig.target('token');
  const objects = '- {objectName: u, secretPath: database/creds/app, secretKey: username}';
  const first = await rig.publish(pod, objects, target);
  const user = first.files.get('u') ?? '';
  for (let step = 0; step < 22; step++) await rig.advance(30_000); // 660 s: past the token's TTL and the lease's
  assert.equal(rig.vault.isCredentialValid(user), true, 'the first token was kept alive past its 300 s TTL');
  assert.ok((await rig.metric(`${M}token_renewals_total`)) >= 2);
  const unchanged = await rig.publish(pod, objects, target);
  assert.equal(unchanged.files.get('u'), user);
  for (let step = 0; step < 18; step++) await rig.advance(30_000); // 1200 s: past the token's max TTL (900 s)
  const next = await rig.publish(pod, objects, target);
  const newUser = next.files.get('u') ?? '';
  assert.notEqual(newUser, user, 'a new credential under a new token');
  assert.equal(rig.vault.isCredentialValid(newUser), true);
  assert.equal(await rig.metric(`${M}lease_reissues_total`, { reason: 'token_expiring' }), 1);
});

test('restored entries of pods deleted while the provider was down are revoked after the grace period', async (t) => {
  const stateDir = join(await (await import('node:fs/promises')).mkdtemp('/tmp/vcp-state-'), 'state');
  const keyFile = `${stateDir}.key`;
  await writeFile(keyFile, randomBytes(32));
  const { kube, rig } = await startLeaseRigWithKube(t, KUBE_TOKEN, {
    providerArgs: [
      '-revoke-leases-of-deleted-pods',
      '-node-name=node-1',
      '-lease-revocation-grace-period=5s',
      `-state-dir=${stateDir}`,
      `-state-key-file=${keyFile}`,
    ],
    extraPolicy: [{ path: 'sys/leases/revoke', capabilities: ['update'] }],
  });
  const gone = rig.pod();
  const stays = rig.pod();
  for (const pod of [gone, stays]) kube.pods.addPod({ ...pod, nodeName: 'node-1' });
  const a = await rig.publish(gone, DB_AND_CERT, rig.target('gone'));
  const b = await rig.publish(stays, DB_AND_CERT, rig.target('stays'));
  rig.driver.close();
  await rig.provider.stop();
  kube.pods.deletePod(gone.uid);
  await rig.restartProvider();
  await waitFor('the restored pod to be seen gone', () => rig.provider.leases.revoker?.pending === 1);
  await rig.advance(5_000);
  assert.equal(rig.vault.isCredentialValid(a.files.get('db-user') ?? ''), false);
  assert.equal(rig.vault.isCredentialValid(b.files.get('db-user') ?? ''), true);
  rig.vault.stats.reset();
  const again = await rig.publish(stays, DB_AND_CERT, rig.target('stays'));
  assert.deepEqual(again.versions, b.versions);
  assert.equal(rig.vault.stats.leasesIssued, 0);
});

test('the state file never holds a pod’s service-account token; after a restart a re-issue waits for the pod’s next Mount', async (t) => {
  const stateDir = join(await mkdtemp('/tmp/vcp-state-'), 'state');
  const keyFile = `${stateDir}.key`;
  const key = randomBytes(32);
  await writeFile(keyFile, key);
  // Not renewable: the credential must be re-issued (a login) at two thirds of its 300 s.
  const rig = await startLeaseRig({
    providerArgs: [`-state-dir=${stateDir}`, `-state-key-file=${keyFile}`],
    database: { defaultTtlSeconds: 300, maxTtlSeconds: 3600, renewable: false },
  });
  t.after(() => rig.stop());
  const objects = `- {objectName: db-user, secretPath: database/creds/app, secretKey: username}`;
  const pod = rig.pod();
  const target = rig.target('no-jwt');
  const first = await rig.publish(pod, objects, target);
  await rig.restartProvider();

  const store = new LeaseStateStore({
    dir: stateDir,
    key,
    logger: createLogger('off'),
    now: () => rig.now(),
    snapshot: () => [],
  });
  const saved = await store.load();
  assert.equal(saved.length, 1);
  assert.equal(saved[0]?.identity.jwt, '');
  assert.doesNotMatch(JSON.stringify(saved), /eyJ[\w-]+\.[\w-]+\.[\w-]+/, 'no JWT anywhere in the state');

  rig.vault.stats.reset();
  await rig.advance(210_000); // past two thirds: a re-issue is due, but no pod token is at hand
  assert.equal(rig.vault.stats.logins, 0, 'no login without the pod');
  assert.equal(rig.vault.stats.leasesIssued, 0);
  const served = await rig.publish(pod, objects, target);
  assert.equal(served.files.get('db-user'), first.files.get('db-user'), 'the restored credential is served');
  await rig.advance(30_000); // the next pass has the token the Mount brought
  assert.equal(rig.vault.stats.leasesIssued, 1, 're-issued once the pod came back');
  const next = await rig.publish(pod, objects, target);
  assert.notEqual(next.files.get('db-user'), first.files.get('db-user'));
});
