/**
 * The end-to-end scenarios hashicorp/vault-csi-provider runs against a real Vault (kv, kv with a
 * custom audience, jwt auth, a namespace, PKI with PUT and secretArgs, database credentials from
 * PostgreSQL, several secret types, several volumes in one pod, the provider side of secret
 * sync and env vars, a service account without access), written here against real OpenBao.
 * Logins, reads and issued credentials are counted in OpenBao's audit log.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { realServersGate } from './support/binaries.js';
import { startRealRig, type RealRig } from './support/real-rig.js';

const KV_OBJECTS = `
- objectName: secret-1
  secretPath: secret/data/kv1
  secretKey: bar1
  filePermission: 0600
- objectName: secret-2
  secretPath: secret/data/kv2
  secretKey: bar2
`;

const DB_OBJECTS = `
- objectName: dbUsername
  secretPath: database/creds/db-app
  secretKey: username
- objectName: dbPassword
  secretPath: database/creds/db-app
  secretKey: password
`;

const PKI_OBJECTS = `
- objectName: certs
  secretPath: pki/issue/example-dot-com
  method: PUT
  secretArgs:
    common_name: test.example.com
    ttl: 24h
`;

describe('real OpenBao: the Go provider’s end-to-end scenarios', realServersGate(), () => {
  let rig: RealRig;
  before(async () => {
    rig = await startRealRig({ postgres: true, driver: { tokenAudiences: ['vault', 'custom-audience'] } });
    await rig.setup.writeKv2('secret', 'kv1', { bar1: 'hello1' });
    await rig.setup.writeKv2('secret', 'kv2', { bar2: 'hello2' });
    await rig.setup.writeKv2('secret', 'kv-sync1', { bar1: 'hello-sync1' });
    await rig.setup.writeKv2('secret', 'kv-sync2', { bar2: 'hello-sync2' });
    await rig.setup.writePkiRole('pki', 'example-dot-com', { allowedDomains: ['example.com'], maxTtl: '48h' });
    await rig.setup.writeDatabaseRole('database', 'postgres', 'db-app', { defaultTtl: '10m', maxTtl: '1h' });
  });
  after(() => rig.stop());

  test('kv: two KV v2 keys, one login and one read per path on the server', async () => {
    await rig.grant('kv', { 'secret/data/kv1': ['read'], 'secret/data/kv2': ['read'] });
    const mark = rig.bao.audit.mark();
    const published = await rig.publish(rig.pod('kv'), { roleName: 'kv', objects: KV_OBJECTS });
    assert.equal(published.files.get('secret-1'), 'hello1');
    assert.equal(published.files.get('secret-2'), 'hello2');
    assert.equal(published.modes.get('secret-1'), 0o600);
    assert.equal(published.modes.get('secret-2'), 0o644);
    assert.equal(rig.bao.audit.logins({ since: mark, serviceAccount: 'kv' }).length, 1);
    assert.equal(rig.bao.audit.reads({ since: mark, path: 'secret/data/kv1' }).length, 1);
    assert.equal(rig.bao.audit.reads({ since: mark, path: 'secret/data/kv2' }).length, 1);
  });

  test('kv with a custom audience: the token minted for that audience logs in', async () => {
    await rig.grant('kv-aud', { 'secret/data/kv1': ['read'] }, { audience: 'custom-audience' });
    const objects = '- {objectName: secret-1, secretPath: secret/data/kv1, secretKey: bar1}';
    const published = await rig.publish(rig.pod('kv-aud'), {
      roleName: 'kv-aud',
      audience: 'custom-audience',
      objects,
    });
    assert.equal(published.files.get('secret-1'), 'hello1');
    // The default audience's token is refused by a role bound to another audience.
    await assert.rejects(rig.publish(rig.pod('kv-aud'), { roleName: 'kv-aud', objects }), (error: ServiceError) => {
      assert.equal(error.code, status.UNAUTHENTICATED);
      assert.match(error.details, /invalid audience/);
      return true;
    });
  });

  test('jwt auth (vaultAuthMountPath: jwt) logs in at auth/jwt/login', async () => {
    await rig.setup.writePolicy('jwt-kv', { 'secret/data/kv1': ['read'] });
    await rig.setup.writeJwtRole('jwt', 'jwt-kv-role', {
      boundAudiences: ['vault'],
      boundSubject: 'system:serviceaccount:default:jwt-kv',
      policies: ['jwt-kv'],
    });
    const mark = rig.bao.audit.mark();
    const published = await rig.publish(rig.pod('jwt-kv'), {
      roleName: 'jwt-kv-role',
      vaultAuthMountPath: 'jwt',
      audience: 'vault',
      objects: '- {objectName: secret-1, secretPath: secret/data/kv1, secretKey: bar1, filePermission: 0644}',
    });
    assert.equal(published.files.get('secret-1'), 'hello1');
    assert.equal(rig.bao.audit.logins({ since: mark, path: 'auth/jwt/login' }).length, 1);
    assert.equal(rig.bao.audit.logins({ since: mark, path: 'auth/kubernetes/login' }).length, 0);
  });

  test('a namespace: login and read inside it (vaultNamespace)', async () => {
    await rig.bao.createNamespace('acceptance');
    const inside = rig.setup.inNamespace('acceptance');
    await inside.enableKubernetesAuth('kubernetes', {
      kubernetesHost: rig.tokenReview.url,
      kubernetesCaPem: rig.bao.tls.caCertPem,
    });
    await inside.enableKv('secret', 2);
    await inside.writeKv2('secret', 'kv1-namespace', { greeting: 'hello-namespaces' });
    await inside.writePolicy('kv-namespace', { 'secret/data/kv1-namespace': ['read'] });
    await inside.writeKubernetesRole('kubernetes', 'kv-namespace-role', {
      serviceAccountNames: ['kv-namespace'],
      namespaces: ['default'],
      policies: ['kv-namespace'],
    });
    const mark = rig.bao.audit.mark();
    const published = await rig.publish(rig.pod('kv-namespace'), {
      roleName: 'kv-namespace-role',
      vaultNamespace: 'acceptance',
      objects: '- {objectName: secret-1, secretPath: secret/data/kv1-namespace, secretKey: greeting}',
    });
    assert.equal(published.files.get('secret-1'), 'hello-namespaces');
    assert.equal(rig.bao.audit.logins({ since: mark, namespace: 'acceptance/' }).length, 1);
    assert.equal(
      rig.bao.audit.reads({ since: mark, namespace: 'acceptance/', path: 'secret/data/kv1-namespace' }).length,
      1,
    );
  });

  test('PKI: PUT with secretArgs, the whole response written, a real certificate', async () => {
    await rig.grant('pki', { 'pki/issue/example-dot-com': ['update'] });
    const mark = rig.bao.audit.mark();
    const published = await rig.publish(rig.pod('pki'), {
      roleName: 'pki',
      vaultAddress: rig.bao.listeners.tls,
      vaultCACertPath: rig.bao.tls.caCertPath,
      objects: PKI_OBJECTS,
    });
    const response = JSON.parse(published.files.get('certs') ?? '') as {
      data: { certificate: string; issuing_ca: string; private_key: string };
    };
    const certificate = new X509Certificate(response.data.certificate);
    const issuer = new X509Certificate(response.data.issuing_ca);
    assert.match(certificate.subjectAltName ?? '', /DNS:test\.example\.com/);
    assert.ok(certificate.verify(issuer.publicKey), 'signed by the mount’s CA');
    assert.match(response.data.private_key, /PRIVATE KEY/);
    const issues = rig.bao.audit.responses({ since: mark, path: 'pki/issue/example-dot-com', operation: 'update' });
    assert.equal(issues.length, 1);
  });

  test('database credentials: one lease for two objects, and the user logs in to PostgreSQL', async () => {
    await rig.grant('db', { 'database/creds/db-app': ['read'] });
    const mark = rig.bao.audit.mark();
    const published = await rig.publish(rig.pod('db'), { roleName: 'db', objects: DB_OBJECTS });
    const username = published.files.get('dbUsername') ?? '';
    const password = published.files.get('dbPassword') ?? '';
    assert.match(username, /^v-/);
    assert.equal(rig.bao.audit.issuedLeases({ since: mark, path: 'database/creds/db-app' }).length, 1);
    assert.equal(await rig.postgres!.canLogIn(username, password), true);
    assert.deepEqual(await rig.postgres!.roles(username), [username]);
  });

  test('several secret types in one SecretProviderClass', async () => {
    await rig.grant('all', {
      'secret/data/kv1': ['read'],
      'database/creds/db-app': ['read'],
      'pki/issue/example-dot-com': ['update'],
    });
    const published = await rig.publish(rig.pod('all'), {
      roleName: 'all',
      objects: `${DB_OBJECTS}${KV_OBJECTS.split('- objectName: secret-2')[0]!}${PKI_OBJECTS}`,
    });
    assert.deepEqual([...published.files.keys()].sort(), ['certs', 'dbPassword', 'dbUsername', 'secret-1']);
    assert.equal(published.files.get('secret-1'), 'hello1');
    assert.equal(
      await rig.postgres!.canLogIn(published.files.get('dbUsername')!, published.files.get('dbPassword')!),
      true,
    );
    const certs = JSON.parse(published.files.get('certs')!) as { data: { certificate: string } };
    assert.match(new X509Certificate(certs.data.certificate).subjectAltName ?? '', /test\.example\.com/);
  });

  test('several volumes in one pod: two SecretProviderClasses, one login', async () => {
    await rig.grant('multi', { 'secret/data/kv-sync1': ['read'], 'secret/data/kv-sync2': ['read'] });
    const pod = rig.pod('multi');
    const mark = rig.bao.audit.mark();
    const first = await rig.publish(pod, {
      roleName: 'multi',
      objects: '- {objectName: secret-1, secretPath: secret/data/kv-sync1, secretKey: bar1}',
    });
    const second = await rig.publish(pod, {
      roleName: 'multi',
      objects: '- {objectName: secret-2, secretPath: secret/data/kv-sync2, secretKey: bar2}',
    });
    assert.equal(first.files.get('secret-1'), 'hello-sync1');
    assert.equal(second.files.get('secret-2'), 'hello-sync2');
    assert.deepEqual([...first.files.keys()], ['secret-1']);
    assert.deepEqual([...second.files.keys()], ['secret-2']);
    assert.equal(
      rig.bao.audit.logins({ since: mark, serviceAccount: 'multi' }).length,
      1,
      'one token per pod identity',
    );
  });

  test('secret sync and env vars, provider side: each secretObjects key finds its object file', async () => {
    await rig.grant('sync', { 'secret/data/kv-sync1': ['read'], 'secret/data/kv-sync2': ['read'] });
    const published = await rig.publish(rig.pod('sync'), {
      roleName: 'sync',
      objects: `
- {objectName: secret-1, secretPath: secret/data/kv-sync1, secretKey: bar1}
- {objectName: secret-2, secretPath: secret/data/kv-sync2, secretKey: bar2}
`,
    });
    // The driver builds a synced Secret from the mounted files named by `secretObjects[].data[].objectName`
    // (kvsecret: pwd <- secret-1, username <- secret-2); env vars then read that Secret.
    const secretObjects = { kvsecret: { pwd: 'secret-1', username: 'secret-2' } };
    const synced = Object.fromEntries(
      Object.entries(secretObjects.kvsecret).map(([key, objectName]) => [key, published.files.get(objectName)]),
    );
    assert.deepEqual(synced, { pwd: 'hello-sync1', username: 'hello-sync2' });
    assert.deepEqual(
      published.objectVersions.map((version) => version.id),
      ['secret-1', 'secret-2'],
      'one object version per object, as the driver requires',
    );
  });

  test('a service account the role does not bind is refused with OpenBao’s reason', async () => {
    await rig.grant('kv-only', { 'secret/data/kv1': ['read'] });
    const mark = rig.bao.audit.mark();
    await assert.rejects(
      rig.publish(rig.pod('pki-sa'), { roleName: 'kv-only', objects: KV_OBJECTS }),
      (error: ServiceError) => {
        assert.equal(error.code, status.UNAUTHENTICATED);
        assert.match(error.details, /service account name not authorized/);
        return true;
      },
    );
    assert.equal(rig.bao.audit.logins({ since: mark }).length, 0);
    assert.equal(rig.bao.audit.reads({ since: mark, path: /^secret\// }).length, 0);
  });
  test('refreshInterval: republishes inside the interval read OpenBao once; after it the rotated value', async () => {
    await rig.setup.writeKv2('secret', 'refresh', { value: 'before' });
    await rig.grant('refresh', { 'secret/data/refresh': ['read'] });
    const objects = '- {objectName: value, secretPath: secret/data/refresh, secretKey: value}';
    const parameters = { roleName: 'refresh', objects, refreshInterval: '3s' };
    const pod = rig.pod('refresh');
    const target = rig.target();
    const mark = rig.bao.audit.mark();
    const started = Date.now();
    const first = await rig.publish(pod, parameters, target);
    await rig.setup.writeKv2('secret', 'refresh', { value: 'after' });
    for (let i = 0; i < 4; i += 1) {
      const again = await rig.publish(pod, parameters, target);
      assert.equal(again.files.get('value'), 'before', 'served from the pod’s cache inside the interval');
      assert.deepEqual(again.versions, first.versions);
    }
    assert.ok(Date.now() - started < 3000, 'the republishes ran inside the interval');
    assert.equal(rig.bao.audit.reads({ since: mark, path: 'secret/data/refresh' }).length, 1);
    // Each publish here carries a freshly minted token: before a cached answer is served, OpenBao
    // must accept that token for the pod (kubelet's cached token would log in once, see the e2e test).
    assert.equal(rig.bao.audit.logins({ since: mark, serviceAccount: 'refresh' }).length, 5);
    // Another pod with the same SecretProviderClass logs in and reads for itself.
    const other = await rig.publish(rig.pod('refresh'), parameters);
    assert.equal(other.files.get('value'), 'after');
    assert.equal(rig.bao.audit.reads({ since: mark, path: 'secret/data/refresh' }).length, 2);
    await sleep(Math.max(0, started + 3100 - Date.now()));
    const rotated = await rig.publish(pod, parameters, target);
    assert.equal(rotated.files.get('value'), 'after');
    assert.equal(rig.bao.audit.reads({ since: mark, path: 'secret/data/refresh' }).length, 3);
  });
});

interface ServiceError {
  readonly code: number;
  readonly details: string;
}
