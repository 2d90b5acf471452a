import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DB_AND_CERT, startLeaseRig, type LeaseRig, type Published } from '../support/lease-rig.js';

const M = 'vault_csi_provider_';
const renewRequests = (rig: LeaseRig) =>
  rig.vault.stats.requests.filter((request) => request.path === '/v1/sys/leases/renew').length;

describe('lease cache: republishes serve the credential already issued', () => {
  let rig: LeaseRig;
  let uncached: LeaseRig;
  before(async () => {
    rig = await startLeaseRig();
    uncached = await startLeaseRig({ providerArgs: ['-lease-cache-size=0'] });
  });
  after(async () => {
    await rig.stop();
    await uncached.stop();
  });

  test('10 republishes: one credential, one certificate, identical files and versions', async (t) => {
    const pod = rig.pod();
    const target = rig.target('ten');
    rig.vault.stats.reset();
    const first = await rig.publish(pod, DB_AND_CERT, target);
    assert.match(first.files.get('tls.crt') ?? '', /BEGIN CERTIFICATE/);
    assert.match(first.files.get('db-user') ?? '', /^v-/);
    for (let republish = 1; republish < 10; republish++) {
      await rig.advance(10_000);
      const next = await rig.publish(pod, DB_AND_CERT, target);
      assert.deepEqual(next.files, first.files, `files of republish ${republish}`);
      assert.deepEqual(next.versions, first.versions, `versions of republish ${republish}`);
    }
    assert.equal(rig.vault.stats.leasesIssued, 1);
    assert.equal(rig.vault.stats.certificatesIssued, 1);
    assert.equal(await rig.metric(`${M}objects_served_total`, { source: 'cache' }), 27);
    const audit = rig.logs.filter((line) => line.includes('"audit":true')).at(-1) ?? '';
    assert.match(audit, /"name":"db-user"[^}]*"source":"cache"/);

    // The same 10 publishes without the cache, as every other provider serves them.
    const before = uncached.pod();
    uncached.vault.stats.reset();
    const versions = new Set<string>();
    for (let publish = 0; publish < 10; publish++) {
      const outcome = await uncached.publish(before, DB_AND_CERT, uncached.target('ten'));
      versions.add(outcome.versions.get('db-pass') ?? '');
    }
    assert.equal(uncached.vault.stats.leasesIssued, 10);
    assert.equal(uncached.vault.stats.certificatesIssued, 10);
    assert.equal(versions.size, 10);
    t.diagnostic(
      `per pod over 10 republishes: without the cache ${uncached.vault.stats.leasesIssued} credentials + ${uncached.vault.stats.certificatesIssued} certificates; with it ${rig.vault.stats.leasesIssued} + ${rig.vault.stats.certificatesIssued}`,
    );
  });

  test('two pods with the same SecretProviderClass get different credentials', async () => {
    rig.vault.stats.reset();
    const a = await rig.publish(rig.pod(), DB_AND_CERT, rig.target('pod-a'));
    const b = await rig.publish(rig.pod(), DB_AND_CERT, rig.target('pod-b'));
    assert.notEqual(a.files.get('db-user'), b.files.get('db-user'));
    assert.notEqual(a.files.get('tls.crt'), b.files.get('tls.crt'));
    assert.equal(rig.vault.stats.leasesIssued, 2);
  });

  test('renewal at the configured share (per-object renewalPercent), files unchanged', async (t) => {
    const rig = await startLeaseRig();
    t.after(() => rig.stop());
    const objects = `
- {objectName: user, secretPath: database/creds/app, secretKey: username, renewalPercent: 50}
- {objectName: pass, secretPath: database/creds/app, secretKey: password}
`;
    const pod = rig.pod();
    const target = rig.target('renew');
    const first = await rig.publish(pod, objects, target);
    rig.vault.stats.reset();
    await rig.advance(149_000); // ttl 300 s: 50 % is 150 s
    assert.equal(renewRequests(rig), 0);
    await rig.advance(1_000);
    assert.equal(renewRequests(rig), 1);
    await rig.advance(200_000); // past the first lease's original expiry
    const user = first.files.get('user') ?? '';
    assert.equal(rig.vault.isCredentialValid(user), true, 'renewed lease is alive past its first TTL');
    const again = await rig.publish(pod, objects, target);
    assert.deepEqual(again.versions, first.versions);
    assert.equal(rig.vault.stats.leasesIssued, 0);
    assert.ok((await rig.metric(`${M}lease_renewals_total`, { result: 'ok' })) >= 2);
  });

  test('an invalid renewalPercent is refused with the field named', async () => {
    const outcome = await rig
      .publish(rig.pod(), '- {objectName: u, secretPath: database/creds/app, renewalPercent: 150}', rig.target('bad'))
      .then(
        () => 'mounted',
        (error: unknown) => String(error),
      );
    assert.match(outcome, /renewalPercent/);
  });
});

describe('lease cache: a credential that cannot be renewed is replaced before expiry', () => {
  let rig: LeaseRig;
  before(async () => {
    rig = await startLeaseRig({ database: { defaultTtlSeconds: 300, maxTtlSeconds: 300, renewable: false } });
  });
  after(() => rig.stop());

  test('re-issued at 2/3 of the TTL; the next republish delivers it and only then the version changes', async () => {
    const pod = rig.pod();
    const target = rig.target('replace');
    const first = await rig.publish(pod, DB_AND_CERT, target);
    rig.vault.stats.reset();
    await rig.advance(199_000);
    assert.equal(rig.vault.stats.leasesIssued, 0);
    const still: Published = await rig.publish(pod, DB_AND_CERT, target);
    assert.deepEqual(still.versions, first.versions);
    await rig.advance(1_000); // 200 s = 2/3 of 300 s
    assert.equal(rig.vault.stats.leasesIssued, 1, 'a new credential is issued in the background');
    const oldUser = first.files.get('db-user') ?? '';
    assert.equal(rig.vault.isCredentialValid(oldUser), true, 'the old one is not revoked under the pod');
    const next = await rig.publish(pod, DB_AND_CERT, target);
    assert.notEqual(next.files.get('db-user'), oldUser);
    assert.notEqual(next.versions.get('db-user'), first.versions.get('db-user'));
    assert.notEqual(next.versions.get('db-pass'), first.versions.get('db-pass'));
    assert.equal(next.versions.get('tls.crt'), first.versions.get('tls.crt'), 'the certificate is not due yet');
    assert.equal(rig.vault.isCredentialValid(next.files.get('db-user') ?? ''), true);
    const later = await rig.publish(pod, DB_AND_CERT, target);
    assert.deepEqual(later.versions, next.versions);
    assert.equal(await rig.metric(`${M}lease_reissues_total`, { reason: 'not_renewable' }), 1);
  });

  test('certificates are re-issued at the configured share of their lifetime (-certificate-renewal-percent)', async (t) => {
    const rig = await startLeaseRig({ providerArgs: ['-certificate-renewal-percent=50'] });
    t.after(() => rig.stop());
    const pod = rig.pod();
    const target = rig.target('cert');
    const objects =
      '- {objectName: c, secretPath: pki/issue/app, method: PUT, secretArgs: {common_name: b.example.com, ttl: 1h}, secretKey: certificate}';
    const first = await rig.publish(pod, objects, target);
    rig.vault.stats.reset();
    await rig.advance(1_799_000); // 50 % of 3600 s is 1800 s
    assert.equal(rig.vault.stats.certificatesIssued, 0);
    await rig.advance(1_000);
    assert.equal(rig.vault.stats.certificatesIssued, 1);
    const next = await rig.publish(pod, objects, target);
    assert.notEqual(next.versions.get('c'), first.versions.get('c'));
  });
});

describe('lease cache: only a Mount that succeeds keeps what it issued', () => {
  test('a Mount failing after its credential was issued caches nothing and revokes the lease', async (t) => {
    const rig = await startLeaseRig({ extraPolicy: [{ path: 'sys/leases/revoke', capabilities: ['update'] }] });
    t.after(() => rig.stop());
    const pod = rig.pod();
    const target = rig.target('failing');
    // Both objects read one credential; the second names a key it does not have, so the Mount
    // fails when rendering, after Vault issued the credential.
    const broken = `
- {objectName: db-user, secretPath: database/creds/app, secretKey: username}
- {objectName: db-pass, secretPath: database/creds/app, secretKey: passwrod}
`;
    rig.vault.stats.reset();
    await assert.rejects(rig.publish(pod, broken, target), /passwrod/);
    assert.equal(rig.vault.stats.leasesIssued, 1);
    const revokes = () => rig.vault.stats.requests.filter((request) => request.path === '/v1/sys/leases/revoke');
    for (let waited = 0; revokes().length === 0 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(revokes().length, 1, 'the unused credential was revoked');
    assert.equal(rig.provider.leases.cache.size, 0, 'and not cached');

    // The pod's SPC is fixed: a fresh credential, kept this time, served again on republish.
    const fixed = broken.replace('passwrod', 'password');
    const first = await rig.publish(pod, fixed, target);
    const again = await rig.publish(pod, fixed, target);
    assert.equal(rig.vault.stats.leasesIssued, 2);
    assert.equal(rig.provider.leases.cache.size, 1);
    assert.deepEqual(again.files, first.files);
    assert.equal(rig.vault.isCredentialValid(first.files.get('db-user') ?? ''), true);
  });
});

test('the lease cache is bounded by bytes as well as entries: the least recently served go first', async (t) => {
  const rig = await startLeaseRig({ providerArgs: ['-lease-cache-max-bytes=1024'] });
  t.after(() => rig.stop());
  const objects = `- {objectName: db-user, secretPath: database/creds/app, secretKey: username}`;
  const pods = [1, 2, 3, 4, 5].map(() => rig.pod());
  for (const [i, pod] of pods.entries()) await rig.publish(pod, objects, rig.target(`bytes-${i}`));
  assert.ok(rig.provider.leases.cache.size >= 1, 'the newest fit');
  assert.ok(
    rig.provider.leases.cache.size < 5,
    `only what fits in 1024 bytes stays (${rig.provider.leases.cache.size})`,
  );
  rig.vault.stats.reset();
  await rig.publish(pods[0]!, objects, rig.target('bytes-0'));
  assert.equal(rig.vault.stats.leasesIssued, 1, 'the first pod’s entry was dropped: its republish issues anew');
});
