import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, createIssuer, errorsOf } from './client.js';

describe('dev vault: namespaces', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault();
  });
  after(() => vault.stop());

  test('each namespace has its own mounts, policies and auth; tokens are namespace-bound; header echoed', async () => {
    vault.createNamespace('team-a');
    vault.createNamespace('team-b');
    const issuer = await createIssuer();
    const a = vault.inNamespace('team-a');
    a.writeKv('secret', 'app', { where: 'team-a' });
    a.enableKubernetesAuth('kubernetes', { publicKeysPem: [issuer.publicKeyPem] });
    a.writePolicy('read', [{ path: 'secret/data/*', capabilities: ['read'] }]);
    a.writeKubernetesRole('kubernetes', 'app', {
      boundServiceAccountNames: ['app'],
      boundServiceAccountNamespaces: ['default'],
      policies: ['read'],
    });
    vault.writeKv('secret', 'app', { where: 'root' });

    const rootRead = await call(vault, 'GET', '/v1/secret/data/app', { headers: { 'x-vault-namespace': 'team-a/' } });
    assert.equal(rootRead.headers['x-vault-namespace'], 'team-a/');
    assert.deepEqual((rootRead.json.data as { data: unknown }).data, { where: 'team-a' });
    // header `team-a` + path ≡ no header + `team-a/<path>`
    const viaPath = await call(vault, 'GET', '/v1/team-a/secret/data/app');
    assert.deepEqual((viaPath.json.data as { data: unknown }).data, { where: 'team-a' });

    const loginInRoot = await call(vault, 'POST', '/v1/auth/kubernetes/login', {
      token: null,
      body: { role: 'app', jwt: await issuer.sign() },
    });
    // No kubernetes auth in the root namespace: not a login path there, so the missing token is refused.
    assert.equal(loginInRoot.status, 403);
    const login = await call(vault, 'POST', '/v1/auth/kubernetes/login', {
      token: null,
      headers: { 'x-vault-namespace': 'team-a' },
      body: { role: 'app', jwt: await issuer.sign() },
    });
    assert.equal(login.status, 200, login.text);
    const token = (login.json.auth as { client_token: string }).client_token;
    assert.match(token, /^hvs\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{5}$/);
    assert.equal(
      (await call(vault, 'GET', '/v1/secret/data/app', { token, headers: { 'x-vault-namespace': 'team-a' } })).status,
      200,
    );
    const elsewhere = await call(vault, 'GET', '/v1/secret/data/app', {
      token,
      headers: { 'x-vault-namespace': 'team-b' },
    });
    assert.deepEqual(errorsOf(elsewhere), ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n']);
    const inRoot = await call(vault, 'GET', '/v1/secret/data/app', { token });
    assert.equal(inRoot.status, 403);
    const lookup = await call(vault, 'GET', '/v1/auth/token/lookup-self', {
      token,
      headers: { 'x-vault-namespace': 'team-a' },
    });
    assert.equal((lookup.json.data as { namespace_path: string }).namespace_path, 'team-a/');

    const unknown = await call(vault, 'GET', '/v1/secret/data/app', { headers: { 'x-vault-namespace': 'nope' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(errorsOf(unknown), ['namespace not found']);
    const counted = vault.stats.requests.filter((r) => r.namespace === 'team-a');
    assert.ok(counted.length >= 2);
  });
});

describe('dev vault: TLS', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault({ tls: { requireClientCert: true } });
  });
  after(() => vault.stop());

  test('HTTPS with the generated CA; mTLS required: no client cert fails, with it succeeds', async () => {
    const tls = vault.tls;
    assert.ok(tls !== undefined);
    assert.match(vault.address, /^https:\/\/127\.0\.0\.1:\d+$/);
    const withoutCert = new Agent({ connect: { ca: tls.caCertPem } });
    await assert.rejects(call(vault, 'GET', '/v1/sys/health', { dispatcher: withoutCert }));
    const { readFile } = await import('node:fs/promises');
    const withCert = new Agent({
      connect: {
        ca: tls.caCertPem,
        cert: await readFile(tls.clientCertPath),
        key: await readFile(tls.clientKeyPath),
        servername: 'vault.dev.test',
      },
    });
    const ok = await call(vault, 'GET', '/v1/sys/health', { dispatcher: withCert });
    assert.equal(ok.status, 200);
    await Promise.all([withoutCert.close(), withCert.close()]);
  });

  test('stop removes the TLS temp dir', async () => {
    const other = await startDevVault({ tls: true });
    const { existsSync } = await import('node:fs');
    assert.ok(other.tls !== undefined && existsSync(other.tls.caCertPath));
    const agent = new Agent({ connect: { ca: other.tls.caCertPem } });
    assert.equal((await call(other, 'GET', '/v1/sys/health', { dispatcher: agent })).status, 200);
    await agent.close();
    await other.stop();
    assert.equal(existsSync(other.tls.dir), false);
  });
});
