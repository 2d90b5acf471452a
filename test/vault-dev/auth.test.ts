import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, createIssuer, errorsOf, manualClock, type Issuer } from './client.js';

describe('dev vault: kubernetes and jwt auth', () => {
  const clock = manualClock();
  let vault: DevVault;
  let issuer: Issuer;
  let ecIssuer: Issuer;
  before(async () => {
    vault = await startDevVault({ now: clock.now });
    issuer = await createIssuer('RS256', clock.now);
    ecIssuer = await createIssuer('ES256', clock.now);
    vault.enableKubernetesAuth('kubernetes', {
      publicKeysPem: [issuer.publicKeyPem, ecIssuer.publicKeyPem],
      issuer: issuer.issuer,
    });
    vault.writePolicy('app-read', [{ path: 'secret/data/app', capabilities: ['read'] }]);
    vault.writeKubernetesRole('kubernetes', 'app', {
      boundServiceAccountNames: ['app', 'worker-*'],
      boundServiceAccountNamespaces: ['default'],
      audience: 'vault',
      policies: ['app-read'],
      ttlSeconds: 1200,
    });
    vault.writeKv('secret', 'app', { password: 'x' });
  });
  after(() => vault.stop());

  const login = (body: unknown, mount = 'kubernetes'): ReturnType<typeof call> =>
    call(vault, 'POST', `/v1/auth/${mount}/login`, { token: null, body });

  test('successful login: auth block shape, hvs token, default policy, metadata, role TTL', async () => {
    const result = await login({ role: 'app', jwt: await issuer.sign() });
    assert.equal(result.status, 200);
    assert.equal(result.json.lease_duration, 0);
    assert.equal(result.json.data, null);
    const auth = result.json.auth as Record<string, unknown>;
    assert.deepEqual(Object.keys(auth), [
      'client_token',
      'accessor',
      'policies',
      'token_policies',
      'metadata',
      'lease_duration',
      'renewable',
      'entity_id',
      'token_type',
      'orphan',
      'mfa_requirement',
      'num_uses',
    ]);
    assert.match(String(auth.client_token), /^hvs\.[A-Za-z0-9]{24}$/);
    assert.match(String(auth.accessor), /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(auth.policies, ['app-read', 'default']);
    assert.deepEqual(auth.metadata, {
      role: 'app',
      service_account_name: 'app',
      service_account_namespace: 'default',
      service_account_secret_name: '',
      service_account_uid: 'uid-default-app',
    });
    assert.equal(auth.lease_duration, 1200);
    assert.equal(auth.renewable, true);
    assert.equal(auth.orphan, true);
    assert.equal(auth.token_type, 'service');
    const read = await call(vault, 'GET', '/v1/secret/data/app', { token: String(auth.client_token) });
    assert.equal(read.status, 200);
    // ES256 keys work too, and glob bound names match.
    assert.equal((await login({ role: 'app', jwt: await ecIssuer.sign({ name: 'worker-1' }) })).status, 200);
  });

  test('each failure in the plugin order, with its exact status and body', async () => {
    const cases: [unknown, number, string][] = [
      [{ jwt: await issuer.sign() }, 400, 'missing role'],
      [{ role: 'app' }, 400, 'missing jwt'],
      [{ role: 'nope', jwt: await issuer.sign() }, 400, 'invalid role name "nope"'],
      [{ role: 'app', jwt: await (await createIssuer()).sign() }, 403, 'permission denied'],
      [
        { role: 'app', jwt: await issuer.sign({ audience: 'other' }) },
        403,
        'invalid audience (aud) claim: audience claim does not match any expected audience',
      ],
      [{ role: 'app', jwt: await issuer.sign({ name: 'intruder' }) }, 403, 'service account name not authorized'],
      [{ role: 'app', jwt: await issuer.sign({ namespace: 'prod' }) }, 403, 'namespace not authorized'],
    ];
    for (const [body, status, message] of cases) {
      const result = await login(body);
      assert.equal(result.status, status, message);
      assert.deepEqual(errorsOf(result), [message]);
    }
    const logins = vault.stats.logins;
    assert.ok(logins >= cases.length);
  });

  test('expiry is checked on the injected clock', async () => {
    const jwt = await issuer.sign({ lifetimeSeconds: 600 });
    clock.advance(3600_000);
    const result = await login({ role: 'app', jwt });
    assert.equal(result.status, 403);
    assert.match(String((errorsOf(result) as string[])[0]), /token is expired/);
  });

  test('jwt auth: success with user_claim, 400 error bodies', async () => {
    vault.enableJwtAuth('jwt', { publicKeysPem: [issuer.publicKeyPem], boundIssuer: issuer.issuer });
    vault.writeJwtRole('jwt', 'app-jwt', {
      boundAudiences: ['vault'],
      userClaim: 'sub',
      policies: ['app-read'],
      ttlSeconds: 300,
    });
    const ok = await login({ role: 'app-jwt', jwt: await issuer.sign() }, 'jwt');
    assert.equal(ok.status, 200);
    const auth = ok.json.auth as Record<string, unknown>;
    assert.deepEqual(auth.metadata, { role: 'app-jwt' });
    assert.equal(auth.lease_duration, 300);
    const badAud = await login({ role: 'app-jwt', jwt: await issuer.sign({ audience: 'x' }) }, 'jwt');
    assert.equal(badAud.status, 400);
    assert.deepEqual(errorsOf(badAud), [
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    ]);
    const noRole = await login({ jwt: 'x' }, 'jwt');
    assert.deepEqual(errorsOf(noRole), ['missing role']);
    const unknown = await login({ role: 'zzz', jwt: 'x' }, 'jwt');
    assert.deepEqual(errorsOf(unknown), ['role "zzz" could not be found']);
    const badSig = await login({ role: 'app-jwt', jwt: await (await createIssuer()).sign() }, 'jwt');
    assert.equal(badSig.status, 400);
    assert.match(String((errorsOf(badSig) as string[])[0]), /^error validating token: /);
  });
});
