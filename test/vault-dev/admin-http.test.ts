import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { parsePolicy } from '../support/vault-dev/policy-hcl.js';
import { call, createIssuer, errorsOf } from './client.js';

describe('dev vault: admin over HTTP, like a real Vault', () => {
  let vault: DevVault;
  before(async () => {
    vault = await startDevVault();
  });
  after(() => vault.stop());

  test('HCL parser handles comments, several blocks, legacy policy and JSON', () => {
    const rules = parsePolicy(`
      # read app secrets
      path "secret/data/app/*" {
        capabilities = ["read", "list"]
      }
      path "secret/metadata/*" { capabilities = ["list"] } // trailing
      /* block */ path "kv/old" { policy = "write" }
      path "pki/issue/+" { capabilities = ["update"] allowed_parameters = { "common_name" = [] } }
    `);
    assert.deepEqual(rules, [
      { path: 'secret/data/app/*', capabilities: ['read', 'list'] },
      { path: 'secret/metadata/*', capabilities: ['list'] },
      { path: 'kv/old', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
      { path: 'pki/issue/+', capabilities: ['update'] },
    ]);
    assert.deepEqual(parsePolicy('{"path":{"a/*":{"capabilities":["deny"]}}}'), [
      { path: 'a/*', capabilities: ['deny'] },
    ]);
    assert.throws(
      () => parsePolicy('path "x" { capabilities = ["fly"] }'),
      /failed to parse policy: .*invalid capability "fly"/,
    );
  });

  test('mounts, auth method, config, role, HCL policy, login and read — all over HTTP', async () => {
    const issuer = await createIssuer();
    const steps: [string, string, unknown][] = [
      ['POST', '/v1/sys/mounts/apps', { type: 'kv', options: { version: '2' } }],
      ['POST', '/v1/sys/auth/k8s', { type: 'kubernetes' }],
      ['POST', '/v1/auth/k8s/config', { kubernetes_host: 'https://k8s.example', pem_keys: [issuer.publicKeyPem] }],
      [
        'POST',
        '/v1/auth/k8s/role/web',
        {
          bound_service_account_names: 'app',
          bound_service_account_namespaces: ['default'],
          audience: 'vault',
          token_policies: 'web',
          token_ttl: '20m',
        },
      ],
      ['PUT', '/v1/sys/policies/acl/web', { policy: 'path "apps/data/web/*" {\n  capabilities = ["read"]\n}\n' }],
    ];
    for (const [method, path, body] of steps) {
      const result = await call(vault, method, path, { body });
      assert.equal(result.status, 204, `${path}: ${result.text}`);
    }
    assert.equal(
      (await call(vault, 'POST', '/v1/apps/data/web/db', { body: { data: { pw: 'hunter2' } } })).status,
      200,
    );
    const policy = await call(vault, 'GET', '/v1/sys/policies/acl/web');
    assert.match((policy.json.data as { policy: string }).policy, /apps\/data\/web/);
    const mountInfo = await call(vault, 'GET', '/v1/sys/internal/ui/mounts/apps/web');
    assert.equal((mountInfo.json.data as { options: { version: string } }).options.version, '2');

    const login = await call(vault, 'POST', '/v1/auth/k8s/login', {
      token: null,
      body: { role: 'web', jwt: await issuer.sign() },
    });
    assert.equal(login.status, 200, login.text);
    const auth = login.json.auth as { client_token: string; lease_duration: number; policies: string[] };
    assert.equal(auth.lease_duration, 1200);
    assert.deepEqual(auth.policies, ['default', 'web']);
    const read = await call(vault, 'GET', '/v1/apps/data/web/db', { token: auth.client_token });
    assert.deepEqual((read.json.data as { data: unknown }).data, { pw: 'hunter2' });
    const mounts = await call(vault, 'GET', '/v1/sys/internal/ui/mounts/apps', { token: auth.client_token });
    assert.equal(mounts.status, 200);
    assert.equal(
      (await call(vault, 'POST', '/v1/sys/mounts/other', { token: auth.client_token, body: { type: 'kv' } })).status,
      403,
    );

    const bad = await call(vault, 'PUT', '/v1/sys/policies/acl/bad', { body: { policy: 'path "x" {' } });
    assert.equal(bad.status, 400);
    assert.match(String((errorsOf(bad) as string[])[0]), /^failed to parse policy/);
    const dup = await call(vault, 'POST', '/v1/sys/mounts/apps', { body: { type: 'kv' } });
    assert.deepEqual(errorsOf(dup), ['path is already in use at apps/']);
  });

  test('namespaces over HTTP and the jwt role_type default', async () => {
    assert.equal((await call(vault, 'POST', '/v1/sys/namespaces/ops')).status, 200);
    const write = await call(vault, 'POST', '/v1/secret/data/x', {
      headers: { 'x-vault-namespace': 'ops' },
      body: { data: { a: 1 } },
    });
    assert.equal(write.status, 200);
    const list = await call(vault, 'GET', '/v1/sys/namespaces?list=true');
    assert.deepEqual((list.json.data as { keys: string[] }).keys, ['ops/']);

    const issuer = await createIssuer();
    await call(vault, 'POST', '/v1/sys/auth/jwt', { body: { type: 'jwt' } });
    await call(vault, 'POST', '/v1/auth/jwt/config', { body: { jwt_validation_pubkeys: [issuer.publicKeyPem] } });
    await call(vault, 'POST', '/v1/auth/jwt/role/r', {
      body: { bound_audiences: ['vault'], user_claim: 'sub', token_policies: ['default'] },
    });
    const login = await call(vault, 'POST', '/v1/auth/jwt/login', {
      token: null,
      body: { role: 'r', jwt: await issuer.sign() },
    });
    assert.deepEqual(errorsOf(login), ['role with oidc role_type is not allowed']);
  });
});

test('cli.ts prints its JSON line and serves until SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../support/vault-dev/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--latency-ms', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.split('\n')[0] ?? '');
    });
    child.once('exit', () => {
      reject(new Error(`cli exited early: ${output}`));
    });
  });
  const info = JSON.parse(line) as { address: string; rootToken: string };
  assert.match(info.address, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(info.rootToken, 'root');
  const health = await request(`${info.address}/v1/sys/health`);
  assert.equal(health.statusCode, 200);
  await health.body.dump();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
