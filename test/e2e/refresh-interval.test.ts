/**
 * The refresh interval (docs/refresh-interval.md) through the socket: the dev Vault and the
 * provider on one manual clock, republishes as kubelet sends them (one request per pod and
 * volume, the pod's token reused until kubelet rotates it), Vault's own request counters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { MountRequest } from '../../src/generated/v1alpha1/MountRequest.js';
import type { MountResponse__Output } from '../../src/generated/v1alpha1/MountResponse.js';
import { createServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import type { PodFixture } from '../support/cluster/pod.js';
import { DriverEmulator, ProviderClient } from '../support/driver/index.js';
import { spcParameters } from '../support/harness.js';
import { startLeaseRig, startLeaseRigWithKube, type LeaseRig } from '../support/lease-rig.js';
import { waitFor } from '../support/wait-for.js';

const M = 'vault_csi_provider_';
const KV_PATH = '/v1/secret/data/app';
const KV_OBJECTS = `
- {objectName: user, secretPath: secret/data/app, secretKey: username}
- {objectName: pass, secretPath: secret/data/app, secretKey: password}
`;
const MINUTE = 60_000;

/**
 * A pod's volume as kubelet republishes it: the driver's request built once, because kubelet
 * keeps the pod's token until 80 % of its lifetime has passed and sends the same one meanwhile.
 */
async function volume(
  rig: LeaseRig,
  pod: PodFixture,
  parameters: Record<string, string>,
): Promise<{ request: MountRequest }> {
  const request = await rig.driver.buildRequest(
    pod,
    { spc: { name: 'app', provider: 'vault', parameters } },
    rig.target(pod.uid),
  );
  return { request };
}

function mountOnce(rig: LeaseRig, request: MountRequest): Promise<MountResponse__Output> {
  const client = new ProviderClient(rig.provider.socketPath, 'localhost');
  return client.mount(request, 30_000).finally(() => client.close());
}

function file(response: MountResponse__Output, name: string): string {
  return response.files.find((f) => f.path === name)?.contents.toString('utf8') ?? '';
}

function kvReads(rig: LeaseRig): number {
  return rig.vault.stats.requests.filter((request) => request.path === KV_PATH).length;
}

function auditSources(rig: LeaseRig, uid: string): string[][] {
  return rig.logs
    .filter((line) => line.includes('"audit":true') && line.includes(uid))
    .map((line) => (JSON.parse(line) as { objects?: { source?: string }[] }).objects?.map((o) => o.source ?? '') ?? []);
}

describe('refreshInterval: KV answers served from the pod’s own cache', () => {
  let rig: LeaseRig;
  before(async () => {
    rig = await startLeaseRig();
  });
  after(async () => {
    await rig.stop();
  });

  test('five republishes inside the interval read Vault once, and the audit line says cache', async () => {
    rig.vault.stats.reset();
    const pod = rig.pod();
    const { request } = await volume(rig, pod, spcParameters(KV_OBJECTS, { refreshInterval: '10m' }));
    const first = await mountOnce(rig, request);
    for (let republish = 0; republish < 4; republish += 1) {
      rig.vault.stats.reset();
      await rig.advance(MINUTE);
      const again = await mountOnce(rig, request);
      assert.deepEqual(again.objectVersion, first.objectVersion);
      assert.equal(file(again, 'user'), 'app-user');
      assert.equal(kvReads(rig), 0, `republish ${republish + 2} read Vault`);
      assert.equal(rig.vault.stats.logins, 0, 'the token the pod logged in with is reused');
    }
    const sources = auditSources(rig, pod.uid);
    assert.deepEqual(sources[0], ['vault', 'vault']);
    assert.deepEqual(
      sources.slice(1),
      Array.from({ length: 4 }, () => ['cache', 'cache']),
    );
    assert.equal(await rig.metric(`${M}response_cache_lookups_total`, { result: 'hit' }), 4);
    assert.equal(await rig.metric(`${M}response_cache_entries`), 1);
  });

  test('after the interval, a value rotated in Vault is served', async () => {
    const pod = rig.pod();
    const { request } = await volume(rig, pod, spcParameters(KV_OBJECTS, { refreshInterval: '10m' }));
    const before = await mountOnce(rig, request);
    rig.vault.writeKv('secret', 'app', { username: 'rotated-user', password: 'rotated-pass' });
    try {
      await rig.advance(9 * MINUTE);
      const inside = await mountOnce(rig, request);
      assert.equal(file(inside, 'user'), 'app-user', 'inside the interval: the answer Vault gave before');
      await rig.advance(MINUTE);
      rig.vault.stats.reset();
      const after = await mountOnce(rig, request);
      assert.equal(file(after, 'user'), 'rotated-user');
      assert.equal(kvReads(rig), 1);
      assert.notDeepEqual(after.objectVersion, before.objectVersion);
      // The new answer starts a new interval.
      rig.vault.stats.reset();
      await rig.advance(MINUTE);
      assert.equal(file(await mountOnce(rig, request), 'pass'), 'rotated-pass');
      assert.equal(kvReads(rig), 0);
    } finally {
      rig.vault.writeKv('secret', 'app', {
        username: 'app-user',
        password: 's3cr3t-Pa55',
        port: 5432,
        flags: { tls: true },
      });
    }
  });

  test('another pod with the same SecretProviderClass reads and logs in for itself', async () => {
    const parameters = spcParameters(KV_OBJECTS, { refreshInterval: '10m' });
    const first = await volume(rig, rig.pod(), parameters);
    await mountOnce(rig, first.request);
    rig.vault.stats.reset();
    const other = await volume(rig, rig.pod(), parameters);
    await mountOnce(rig, other.request);
    assert.equal(kvReads(rig), 1);
    assert.equal(rig.vault.stats.logins, 1);
  });

  test('without the parameter every republish reads Vault', async () => {
    rig.vault.stats.reset();
    const { request } = await volume(rig, rig.pod(), spcParameters(KV_OBJECTS));
    for (let publish = 0; publish < 3; publish += 1) {
      await mountOnce(rig, request);
      await rig.advance(MINUTE);
    }
    assert.equal(kvReads(rig), 3);
  });

  test('an object’s own refreshInterval: 0 reads Vault every time, whatever the SPC says', async () => {
    const objects = `
- {objectName: user, secretPath: secret/data/app, secretKey: username}
- {objectName: legacy, secretPath: kv/legacy, secretKey: apiKey, refreshInterval: 0}
`;
    const { request } = await volume(rig, rig.pod(), spcParameters(objects, { refreshInterval: '1h' }));
    await mountOnce(rig, request);
    rig.vault.stats.reset();
    await mountOnce(rig, request);
    assert.equal(kvReads(rig), 0);
    assert.equal(rig.vault.stats.requests.filter((r) => r.path === '/v1/kv/legacy').length, 1);
  });

  test('an object’s own refreshInterval applies without an SPC default', async () => {
    const objects = '- {objectName: user, secretPath: secret/data/app, secretKey: username, refreshInterval: 5m}';
    const { request } = await volume(rig, rig.pod(), spcParameters(objects));
    await mountOnce(rig, request);
    rig.vault.stats.reset();
    await rig.advance(4 * MINUTE);
    await mountOnce(rig, request);
    assert.equal(kvReads(rig), 0);
    await rig.advance(MINUTE);
    await mountOnce(rig, request);
    assert.equal(kvReads(rig), 1);
  });

  test('a Mount that fails keeps nothing: the next one reads Vault', async () => {
    const pod = rig.pod();
    const broken = `${KV_OBJECTS}- {objectName: missing, secretPath: secret/data/app, secretKey: no-such-key}`;
    const failing = await volume(rig, pod, spcParameters(broken, { refreshInterval: '10m' }));
    await assert.rejects(
      mountOnce(rig, failing.request),
      (error: { code?: number }) => error.code === status.NOT_FOUND,
    );
    rig.vault.stats.reset();
    const fixed = await volume(rig, pod, spcParameters(KV_OBJECTS, { refreshInterval: '10m' }));
    await mountOnce(rig, fixed.request);
    assert.equal(kvReads(rig), 1, 'the failed Mount’s answer was not kept');
  });

  test('database credentials keep the lease rules: one credential, served by the lease cache', async () => {
    const objects = '- {objectName: db-user, secretPath: database/creds/app, secretKey: username}';
    rig.vault.stats.reset();
    const { request } = await volume(rig, rig.pod(), spcParameters(objects, { refreshInterval: '10m' }));
    const first = await mountOnce(rig, request);
    await rig.advance(MINUTE);
    const again = await mountOnce(rig, request);
    assert.equal(file(again, 'db-user'), file(first, 'db-user'));
    assert.equal(rig.vault.stats.leasesIssued, 1);
  });

  test('a bad refreshInterval fails the Mount naming the parameter or the field', async () => {
    const spc = await volume(rig, rig.pod(), spcParameters(KV_OBJECTS, { refreshInterval: 'soon' }));
    await assert.rejects(mountOnce(rig, spc.request), (error: { code?: number; details?: string }) => {
      assert.equal(error.code, status.INVALID_ARGUMENT);
      assert.match(error.details ?? '', /^parameter "refreshInterval": "soon" is not a duration/);
      return true;
    });
    const field = await volume(
      rig,
      rig.pod(),
      spcParameters('- {objectName: a, secretPath: secret/data/app, refreshInterval: 48h}'),
    );
    await assert.rejects(mountOnce(rig, field.request), (error: { details?: string }) => {
      assert.match(error.details ?? '', /object "a".*field "refreshInterval": "48h" is longer than 24h/);
      return true;
    });
  });
});

describe('refreshInterval: only an authenticated identity gets a cached answer', () => {
  let rig: LeaseRig;
  before(async () => {
    rig = await startLeaseRig();
  });
  after(async () => {
    await rig.stop();
  });

  test('a republish with a token kubelet rotated logs in with it once, then is served from the cache', async () => {
    const pod = rig.pod();
    const parameters = spcParameters(KV_OBJECTS, { refreshInterval: '10m' });
    const { request } = await volume(rig, pod, parameters);
    await mountOnce(rig, request);
    rig.vault.stats.reset();
    const rotated = await volume(rig, pod, parameters);
    assert.notEqual(rotated.request.attributes, request.attributes, 'a new token');
    await mountOnce(rig, rotated.request);
    assert.equal(rig.vault.stats.logins, 1, 'the new token was shown to Vault');
    assert.equal(kvReads(rig), 0);
    await mountOnce(rig, rotated.request);
    assert.equal(rig.vault.stats.logins, 1, 'and is then trusted like the first');
  });

  test('a token Vault does not accept for the pod gets no cached answer', async () => {
    const pod = rig.pod();
    const { request } = await volume(rig, pod, spcParameters(KV_OBJECTS, { refreshInterval: '10m' }));
    await mountOnce(rig, request);
    // The same pod identity, with a token from a signer Vault does not trust.
    const forger = await createServiceAccountIssuer();
    const driver = new DriverEmulator({ socketPath: rig.provider.socketPath, issuer: forger });
    try {
      const forged = await driver.buildRequest(
        pod,
        { spc: { name: 'app', provider: 'vault', parameters: spcParameters(KV_OBJECTS, { refreshInterval: '10m' }) } },
        rig.target(`${pod.uid}-forged`),
      );
      await assert.rejects(mountOnce(rig, forged), (error: { code?: number }) => error.code === status.UNAUTHENTICATED);
    } finally {
      driver.close();
    }
  });
});

test('the answers of a pod seen deleted are dropped at once', async (t) => {
  const KUBE_TOKEN = 'kube-token-refresh-interval';
  const { kube, rig } = await startLeaseRigWithKube(t, KUBE_TOKEN, {
    providerArgs: ['-revoke-leases-of-deleted-pods', '-node-name=node-1'],
  });
  const gone = rig.pod();
  const stays = rig.pod();
  for (const pod of [gone, stays]) kube.pods.addPod({ ...pod, nodeName: 'node-1' });
  const parameters = spcParameters(KV_OBJECTS, { refreshInterval: '10m' });
  const goneVolume = await volume(rig, gone, parameters);
  await mountOnce(rig, goneVolume.request);
  await mountOnce(rig, (await volume(rig, stays, parameters)).request);
  assert.equal(await rig.metric(`${M}response_cache_entries`), 2);
  await waitFor('the pod watch', () => kube.pods.activeWatches === 1);
  kube.pods.deletePod(gone.uid);
  await waitFor('the deleted pod’s answer to go', async () => (await rig.metric(`${M}response_cache_entries`)) === 1);
  assert.equal(await rig.metric(`${M}response_cache_entries`), 1, 'only the deleted pod’s answer was dropped');
});
