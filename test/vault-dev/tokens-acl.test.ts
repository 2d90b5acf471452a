import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { call, createIssuer, errorsOf, manualClock, type Issuer } from './client.js';

const NO_POLICY = ['1 error occurred:\n\t* permission denied\n\n'];
const INVALID = ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'];

describe('dev vault: tokens and ACL', () => {
  const clock = manualClock();
  let vault: DevVault;
  let issuer: Issuer;
  before(async () => {
    vault = await startDevVault({ now: clock.now });
    issuer = await createIssuer('RS256', clock.now);
    vault.enableKubernetesAuth('kubernetes', { publicKeysPem: [issuer.publicKeyPem] });
    vault.writePolicy('globs', [
      { path: 'secret/data/team/*', capabilities: ['read'] },
      { path: 'secret/data/team/private/*', capabilities: ['deny'] },
      { path: 'secret/data/+/shared', capabilities: ['read', 'list'] },
      { path: 'secret/data/exact', capabilities: ['read'] },
      { path: 'secret/data/exact*', capabilities: ['deny'] },
      { path: 'secret/data/writable', capabilities: ['create'] },
    ]);
    vault.writeKubernetesRole('kubernetes', 'r', {
      boundServiceAccountNames: ['*'],
      boundServiceAccountNamespaces: ['default'],
      policies: ['globs'],
      ttlSeconds: 600,
      maxTtlSeconds: 900,
    });
    for (const p of ['team/a', 'team/private/b', 'x/shared', 'exact', 'exactly', 'other'])
      vault.writeKv('secret', p, { v: p });
  });
  after(() => vault.stop());

  async function loginToken(): Promise<string> {
    const result = await call(vault, 'POST', '/v1/auth/kubernetes/login', {
      token: null,
      body: { role: 'r', jwt: await issuer.sign() },
    });
    assert.equal(result.status, 200, result.text);
    return (result.json.auth as { client_token: string }).client_token;
  }

  test('403 bodies: no token, invalid token, no policy; ACL before routing', async () => {
    const token = await loginToken();
    const none = await call(vault, 'GET', '/v1/secret/data/team/a', { token: null });
    assert.equal(none.status, 403);
    assert.deepEqual(errorsOf(none), ['permission denied']);
    const invalid = await call(vault, 'GET', '/v1/secret/data/team/a', { token: 'hvs.nope' });
    assert.deepEqual(errorsOf(invalid), INVALID);
    const denied = await call(vault, 'GET', '/v1/secret/data/other', { token });
    assert.equal(denied.status, 403);
    assert.deepEqual(errorsOf(denied), NO_POLICY);
    const unmounted = await call(vault, 'GET', '/v1/nowhere/x', { token });
    assert.equal(unmounted.status, 403);
  });

  test('globs and most-specific rule', async () => {
    const token = await loginToken();
    const status = async (path: string): Promise<number> => (await call(vault, 'GET', `/v1/${path}`, { token })).status;
    assert.equal(await status('secret/data/team/a'), 200);
    assert.equal(await status('secret/data/team/private/b'), 403); // longer glob with deny wins
    assert.equal(await status('secret/data/x/shared'), 200); // + segment
    assert.equal(await status('secret/data/exact'), 200); // exact beats the deny glob
    assert.equal(await status('secret/data/exactly'), 403);
    // create-only: allowed for a new key, refused once it exists (needs update)
    const create = await call(vault, 'POST', '/v1/secret/data/writable', { token, body: { data: { a: 1 } } });
    assert.equal(create.status, 200);
    const update = await call(vault, 'POST', '/v1/secret/data/writable', { token, body: { data: { a: 2 } } });
    assert.equal(update.status, 403);
    const caps = await call(vault, 'POST', '/v1/sys/capabilities-self', {
      token,
      body: { paths: ['secret/data/x/shared'] },
    });
    assert.deepEqual(caps.json.capabilities, ['list', 'read']);
    assert.deepEqual(caps.json['secret/data/x/shared'], ['list', 'read']);
    assert.deepEqual((caps.json.data as Record<string, unknown>).capabilities, ['list', 'read']);
  });

  test('X-Vault-Token wins over Authorization: Bearer', async () => {
    const token = await loginToken();
    const bearerOnly = await call(vault, 'GET', '/v1/secret/data/team/a', {
      token: null,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bearerOnly.status, 200);
    const both = await call(vault, 'GET', '/v1/secret/data/team/a', {
      token: 'hvs.bad',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(errorsOf(both), INVALID);
  });

  test('lookup-self, renew-self capped at max TTL with warning, expiry on the clock', async () => {
    const token = await loginToken();
    const lookup = await call(vault, 'GET', '/v1/auth/token/lookup-self', { token });
    const data = lookup.json.data as Record<string, unknown>;
    assert.equal(data.ttl, 600);
    assert.equal(data.id, token);
    assert.deepEqual(data.policies, ['default', 'globs']);
    clock.advance(300_000);
    const renew = await call(vault, 'POST', '/v1/auth/token/renew-self', { token, body: { increment: '1h' } });
    assert.equal(renew.status, 200);
    assert.equal((renew.json.auth as { lease_duration: number }).lease_duration, 600);
    assert.deepEqual(renew.json.warnings, [
      'TTL of "1h0m0s" exceeded the effective max_ttl of "10m"; TTL value is capped accordingly',
    ]);
    clock.advance(600_000);
    const expired = await call(vault, 'GET', '/v1/auth/token/lookup-self', { token });
    assert.deepEqual(errorsOf(expired), INVALID);
    const root = await call(vault, 'POST', '/v1/auth/token/renew-self');
    assert.deepEqual(errorsOf(root), ['lease is not renewable']);
  });

  test('revoke-self → 204, then invalid; operator revokeToken', async () => {
    const token = await loginToken();
    const revoke = await call(vault, 'POST', '/v1/auth/token/revoke-self', { token });
    assert.equal(revoke.status, 204);
    assert.deepEqual(errorsOf(await call(vault, 'GET', '/v1/secret/data/team/a', { token })), INVALID);
    const other = await loginToken();
    vault.revokeToken(other);
    assert.equal((await call(vault, 'GET', '/v1/secret/data/team/a', { token: other })).status, 403);
  });

  test('policy edits apply to existing tokens immediately', async () => {
    const token = await loginToken();
    assert.equal((await call(vault, 'GET', '/v1/secret/data/other', { token })).status, 403);
    vault.writePolicy('globs', [{ path: 'secret/data/other', capabilities: ['read'] }]);
    assert.equal((await call(vault, 'GET', '/v1/secret/data/other', { token })).status, 200);
  });
});
