import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, createIssuer, errorsOf, manualClock, type Issuer } from './client.js';

describe('dev vault: database leases', () => {
  const clock = manualClock();
  let vault: DevVault;
  let issuer: Issuer;
  before(async () => {
    vault = await startDevVault({ now: clock.now });
    issuer = await createIssuer('RS256', clock.now);
    vault.writeDatabaseRole('app', { defaultTtlSeconds: 600, maxTtlSeconds: 900 });
    vault.enableKubernetesAuth('kubernetes', { publicKeysPem: [issuer.publicKeyPem] });
    vault.writePolicy('db', [{ path: 'database/creds/app', capabilities: ['read'] }]);
    vault.writeKubernetesRole('kubernetes', 'db', {
      boundServiceAccountNames: ['app'],
      boundServiceAccountNamespaces: ['default'],
      policies: ['db'],
      ttlSeconds: 300,
    });
  });
  after(() => vault.stop());

  test('each read mints a new credential and lease', async () => {
    vault.stats.reset();
    const a = await call(vault, 'GET', '/v1/database/creds/app');
    const b = await call(vault, 'GET', '/v1/database/creds/app');
    assert.equal(a.status, 200);
    assert.match(String(a.json.lease_id), /^database\/creds\/app\/[A-Za-z0-9]{24}$/);
    assert.equal(a.json.renewable, true);
    assert.equal(a.json.lease_duration, 600);
    assert.equal(a.json.mount_type, 'database');
    const da = a.json.data as { username: string; password: string };
    const db = b.json.data as { username: string; password: string };
    assert.notEqual(da.username, db.username);
    assert.equal(vault.stats.leasesIssued, 2);
    assert.equal(vault.isCredentialValid(da.username), true);
    const unknown = await call(vault, 'GET', '/v1/database/creds/nope');
    assert.equal(unknown.status, 400);
    assert.deepEqual(errorsOf(unknown), ['unknown role: nope']);
  });

  test('renew (capped at max TTL with warning), lookup, revoke → 204, expiry by the clock', async () => {
    const creds = await call(vault, 'GET', '/v1/database/creds/app');
    const leaseId = String(creds.json.lease_id);
    const username = (creds.json.data as { username: string }).username;
    clock.advance(500_000);
    const renew = await call(vault, 'PUT', '/v1/sys/leases/renew', { body: { lease_id: leaseId, increment: 600 } });
    assert.equal(renew.status, 200);
    assert.equal(renew.json.lease_id, leaseId);
    assert.equal(renew.json.lease_duration, 400);
    assert.deepEqual(renew.json.warnings, [
      'TTL of "10m0s" exceeded the effective max_ttl of "6m40s"; TTL value is capped accordingly',
    ]);
    const lookup = await call(vault, 'PUT', '/v1/sys/leases/lookup', { body: { lease_id: leaseId } });
    assert.equal((lookup.json.data as { ttl: number }).ttl, 400);
    clock.advance(400_000);
    assert.equal(vault.isCredentialValid(username), false);
    const late = await call(vault, 'PUT', '/v1/sys/leases/renew', { body: { lease_id: leaseId } });
    assert.deepEqual(errorsOf(late), ['lease not found']);

    const other = await call(vault, 'GET', '/v1/database/creds/app');
    const otherUser = (other.json.data as { username: string }).username;
    const revoke = await call(vault, 'PUT', '/v1/sys/leases/revoke', { body: { lease_id: other.json.lease_id } });
    assert.equal(revoke.status, 204);
    assert.equal(vault.isCredentialValid(otherUser), false);
    assert.deepEqual(
      errorsOf(await call(vault, 'PUT', '/v1/sys/leases/lookup', { body: { lease_id: 'database/creds/app/x' } })),
      ['invalid lease'],
    );
  });

  test('leases die with the token that created them; revoke needs a policy the default lacks', async () => {
    const login = await call(vault, 'POST', '/v1/auth/kubernetes/login', {
      token: null,
      body: { role: 'db', jwt: await issuer.sign() },
    });
    const token = (login.json.auth as { client_token: string }).client_token;
    const creds = await call(vault, 'GET', '/v1/database/creds/app', { token });
    const username = (creds.json.data as { username: string }).username;
    const renew = await call(vault, 'PUT', '/v1/sys/leases/renew', { token, body: { lease_id: creds.json.lease_id } });
    assert.equal(renew.status, 200); // default policy grants sys/leases/renew
    assert.equal(
      (await call(vault, 'PUT', '/v1/sys/leases/revoke', { token, body: { lease_id: creds.json.lease_id } })).status,
      403,
    );
    assert.equal(vault.isCredentialValid(username), true);
    clock.advance(301_000); // the token (ttl 300 s) expires before the lease (600 s)
    assert.equal(vault.isCredentialValid(username), false);
  });
});

describe('dev vault: PKI', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault();
    vault.writePkiRole('app', { allowedDomains: ['example.com'], allowSubdomains: true, maxTtlSeconds: 7200 });
    vault.writePkiRole('ec', {
      allowedDomains: ['example.com'],
      allowSubdomains: true,
      keyType: 'ec',
      generateLease: true,
    });
  });
  after(() => vault.stop());

  test('issue returns an RSA cert signed by the pki CA, with Vault field shapes', async () => {
    vault.stats.reset();
    const issued = await call(vault, 'PUT', '/v1/pki/issue/app', {
      body: { common_name: 'a.example.com', alt_names: 'b.example.com', ttl: '1h' },
    });
    assert.equal(issued.status, 200, issued.text);
    assert.equal(issued.json.lease_id, '');
    assert.equal(issued.json.mount_type, 'pki');
    const data = issued.json.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), [
      'ca_chain',
      'certificate',
      'expiration',
      'issuing_ca',
      'private_key',
      'private_key_type',
      'serial_number',
    ]);
    assert.equal(data.private_key_type, 'rsa');
    assert.match(String(data.private_key), /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(String(data.serial_number), /^[0-9a-f]{2}(:[0-9a-f]{2}){19}$/);
    const cert = new X509Certificate(String(data.certificate));
    const ca = new X509Certificate(vault.pkiCaPem);
    assert.equal(cert.verify(ca.publicKey), true);
    assert.equal(cert.checkIssued(ca), true);
    assert.match(String(cert.subjectAltName), /DNS:a\.example\.com, DNS:b\.example\.com/);
    assert.equal(cert.checkPrivateKey(createPrivateKey(String(data.private_key))), true);
    assert.equal(Math.floor(Date.parse(cert.validTo) / 1000), data.expiration);
    // Node prints the serial's bytes (a leading 0 nibble stays); compare as numbers.
    const hexSerial = (text: string) => BigInt(`0x${text.replace(/:/g, '')}`);
    assert.equal(hexSerial(cert.serialNumber), hexSerial(String(data.serial_number)));
    assert.deepEqual(data.ca_chain, [data.issuing_ca]);
    assert.equal(vault.stats.certificatesIssued, 1);

    const capped = await call(vault, 'PUT', '/v1/pki/issue/app', {
      body: { common_name: 'c.example.com', ttl: '24h', private_key_format: 'pkcs8' },
    });
    assert.deepEqual(capped.json.warnings, [
      'TTL "24h0m0s" is longer than permitted maxTTL "2h0m0s", so maxTTL is being used',
    ]);
    assert.match((capped.json.data as { private_key: string }).private_key, /^-----BEGIN PRIVATE KEY-----/);
  });

  test('EC keys and generate_lease', async () => {
    const issued = await call(vault, 'POST', '/v1/pki/issue/ec', { body: { common_name: 'e.example.com', ttl: 600 } });
    const data = issued.json.data as Record<string, unknown>;
    assert.equal(data.private_key_type, 'ec');
    assert.match(String(data.private_key), /^-----BEGIN EC PRIVATE KEY-----/);
    assert.match(String(issued.json.lease_id), /^pki\/issue\/ec\/[A-Za-z0-9]{24}$/);
    assert.equal(issued.json.renewable, false);
    assert.equal(issued.json.lease_duration, 600);
  });

  test('errors per §4.3', async () => {
    const cases: [string, unknown, string][] = [
      ['nope', { common_name: 'a.example.com' }, 'unknown role: nope'],
      ['app', { common_name: 'example.org' }, 'common name example.org not allowed by this role'],
      ['app', { common_name: 'example.com' }, 'common name example.com not allowed by this role'],
      [
        'app',
        { common_name: 'a.example.com', alt_names: 'evil.org' },
        'subject alternate name evil.org not allowed by this role',
      ],
      [
        'app',
        { common_name: 'a.example.com', format: 'p12' },
        'the "format" path parameter must be "pem", "der", or "pem_bundle"',
      ],
    ];
    for (const [role, body, message] of cases) {
      const result = await call(vault, 'PUT', `/v1/pki/issue/${role}`, { body });
      assert.equal(result.status, 400, message);
      assert.deepEqual(errorsOf(result), [message]);
    }
  });
});
