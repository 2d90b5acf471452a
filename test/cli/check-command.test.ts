import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runCheck } from './run-check.js';
import { seedFileFeatures } from '../support/file-features-seed.js';
import { startHarness, type Harness } from '../support/harness.js';

function spc(objects: string, extra = '', provider = 'vault'): string {
  const indented = objects
    .trim()
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
  return `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: test-spc
spec:
  provider: ${provider}
  parameters:
    roleName: app${extra}
    objects: |
${indented}
`;
}

describe('vault-csi-provider check', () => {
  let dir: string;
  let h: Harness;
  let tokenFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcp-check-'));
    h = await startHarness();
    seedFileFeatures(h.vault);
    tokenFile = join(dir, 'token');
    const { token } = await h.issuer.sign({
      namespace: 'default',
      serviceAccountName: 'app',
      podName: 'check',
      podUid: '00000000-0000-0000-0000-000000000002',
      audiences: ['vault'],
    });
    await writeFile(tokenFile, token);
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  let counter = 0;
  async function check(manifest: string, ...args: string[]): Promise<{ code: number; output: string }> {
    const file = join(dir, `spc-${++counter}.yaml`);
    await writeFile(file, manifest);
    const { code, out } = await runCheck([file, ...args]);
    return { code, output: out.replaceAll(file, 'spc.yaml') };
  }

  test('a good SPC: files, modes, reads and shapes; exit 0', async () => {
    const { code, output } = await check(
      spc(`
- {objectName: a.env, secretPath: secret/data/app/db, format: env, filePermission: 0640}
- {objectName: key, secretPath: pki/issue/web, method: PUT, secretArgs: {common_name: a.example.com, ttl: 1h}, pki: private-key, keyFormat: pkcs8}
- {objectName: raw, secretPath: kv/legacy}
- {objectName: bin, secretPath: kv/legacy, secretKey: keystoreBase64, encoding: base64}
`),
      '--permission',
      '0600',
    );
    assert.equal(code, 0, output);
    assert.equal(
      output,
      `SecretProviderClass "test-spc" (spc.yaml): valid
  role "app" via auth/kubernetes, token audience "vault"

4 files, 3 Vault requests per mount:
  a.env (0640)
    reads     GET secret/data/app/db
    contains  format env of the whole secret data
  key (0600)
    reads     PUT pki/issue/web (secretArgs: common_name, ttl)
    contains  PEM: the private key (PKCS#8 "PRIVATE KEY")
  raw (0600)
    reads     GET kv/legacy
    contains  the whole Vault response as JSON (request_id and lease_id blank)
  bin (0600)
    reads     GET kv/legacy
    contains  key "keystoreBase64": a string as is, other values as JSON, base64-decoded to raw bytes

OK: 1 SecretProviderClass in 1 file
`,
    );
  });

  const bad: [string, string, RegExp][] = [
    [
      'a bad jmesPath',
      spc('- {objectName: a, secretPath: s, jmesPath: "a[?"}'),
      /INVALID, 1 error\n {2}spc\.yaml:10: error: object "a" \(objects\[0\]\): field "jmesPath" is not a valid JMESPath/,
    ],
    [
      'an unknown format',
      spc('- {objectName: a, secretPath: s, format: toml}'),
      /spc\.yaml:10: error: .*field "format" "toml" is not supported/,
    ],
    [
      'a duplicate file',
      spc('- {objectName: a, secretPath: s}\n- {objectName: a, secretPath: t}'),
      /spc\.yaml:11: error: parameter "objects": duplicate objectName "a"/,
    ],
    [
      'another provider',
      spc('- {objectName: a, secretPath: s}', '', 'aws'),
      /spc\.yaml:6: error: spec.provider is "aws", not "vault": this SecretProviderClass is for another provider/,
    ],
    ['no objects', spc('[]'), /spc\.yaml:9: error: parameter "objects": no secrets configured/],
    [
      'a bad vaultAddress',
      spc('- {objectName: a, secretPath: s}', '\n    vaultAddress: "ftp://x"'),
      /INVALID, 1 error\n {2}spc\.yaml:9: error: parameter "vaultAddress"/,
    ],
  ];
  for (const [name, manifest, message] of bad) {
    test(`a bad SPC (${name}): INVALID and exit 1`, async () => {
      const { code, output } = await check(manifest);
      assert.equal(code, 1, output);
      assert.match(output, message);
    });
  }

  test('not a SecretProviderClass file', async () => {
    const { code, output } = await check('kind: ConfigMap\n');
    assert.equal(code, 1);
    assert.match(output, /spc\.yaml: error: no SecretProviderClass found\n/);
  });

  test('unknown parameters are warnings with a suggestion; --strict makes them fail the run', async () => {
    const manifest = spc('- {objectName: a, secretPath: s}', '\n    vaultAdress: https://vault:8200');
    const { code, output } = await check(manifest);
    assert.equal(code, 0, output);
    assert.match(
      output,
      /spc\.yaml:9: warning: parameter "vaultAdress" is not one this provider reads, so it has no effect; did you mean "vaultAddress"\?\n {4}fix: rename "vaultAdress" to "vaultAddress"\n/,
    );
    assert.match(output, /\nOK: 1 SecretProviderClass in 1 file, 1 warning\n$/);
    const strict = await check(manifest, '--strict');
    assert.equal(strict.code, 1, strict.output);
    assert.match(strict.output, /\nFAILED: 1 SecretProviderClass in 1 file: 0 errors, 1 warning \(--strict\)\n$/);
  });

  test('sample data: templates rendered, render errors and missing samples are problems', async () => {
    const samples = join(dir, 'samples.json');
    await writeFile(samples, JSON.stringify({ '/v1/secret/data/app/db': { data: { user: 'sample-user' } } }));
    const { code, output } = await check(
      spc(`
- objectName: t
  template: '{{ with secret "secret/data/app/db" }}user={{ .Data.data.user }}{{ end }}'
- objectName: broken
  template: "{{ with secret \\"secret/data/app/db\\" }}\\n{{ .Data.data.user.x }}{{ end }}"
- {objectName: other, secretPath: secret/data/other, secretKey: k}
`),
      '--sample-data',
      samples,
    );
    assert.equal(code, 1);
    assert.match(output, / {4}sample {4}16 bytes, 1 line\n {6}\| user=sample-user\n/);
    assert.match(output, / {4}error: broken: object "broken": template line 2, column \d+/);
    assert.match(output, / {4}error: other: no sample data for secret\/data\/other/);
    assert.match(output, /\nFAILED: 1 SecretProviderClass in 1 file: 2 errors, 0 warnings\n$/);
  });

  test('capabilities against Vault: ok, missing, and a failed login', async () => {
    const manifest = spc(`
- {objectName: a, secretPath: secret/data/app/db, secretKey: k}
- {objectName: b, secretPath: secret/data/elsewhere, secretKey: k}
- {objectName: c, secretPath: pki/issue/web, method: PUT, secretArgs: {common_name: a.example.com}, pki: certificate}
`);
    h.vault.stats.reset();
    const good = await check(manifest, '--vault-addr', h.vault.address, '--token-file', tokenFile);
    assert.equal(good.code, 1, good.output);
    assert.match(good.output, / {2}ok {7}read {4}GET secret\/data\/app\/db\n/);
    assert.match(good.output, / {2}MISSING {2}read {4}GET secret\/data\/elsewhere \(granted: deny\)\n/);
    assert.match(good.output, / {2}ok {7}update {2}PUT pki\/issue\/web\n/);
    assert.equal(h.vault.stats.certificatesIssued, 0, 'no certificate issued');
    assert.ok(
      h.vault.stats.requests.every((request) => !request.path.includes('secret/data/app')),
      'no secret was read',
    );
    assert.ok(!good.output.includes('hvs.') && !good.output.includes('eyJ'), 'no token printed');

    const wrongRole = await check(
      manifest,
      '--vault-addr',
      h.vault.address,
      '--token-file',
      tokenFile,
      '--role',
      'nope',
    );
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.output, / {2}error: capability check failed: auth\/kubernetes\/login: Vault answered 400/);
  });

  test('usage errors exit 2 with the reason on stderr', async () => {
    const none = await runCheck([]);
    assert.equal(none.code, 2);
    assert.match(none.err, /give at least one SecretProviderClass file/);
    assert.equal(none.out, '');
    assert.equal((await runCheck(['x.yaml', '--vault-addr', 'http://v'])).code, 2);
    assert.equal((await runCheck(['x.yaml', '--bogus'])).code, 2);
    assert.equal((await runCheck(['x.yaml', '--output', 'xml'])).code, 2);
    const missing = await runCheck([join(dir, 'does-not-exist.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read ".*does-not-exist\.yaml" \(ENOENT\)/);
    const noMatch = await runCheck([join(dir, 'nothing-*.yaml')]);
    assert.equal(noMatch.code, 2);
    assert.match(noMatch.err, /no file matches/);
  });

  test('dispatched by the vault-csi-provider binary', async () => {
    const file = join(dir, 'main.yaml');
    await writeFile(file, spc('- {objectName: a, secretPath: secret/data/app/db, jmesPath: user}'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', 'check', file]);
    assert.match(
      stdout,
      /contains {2}jmesPath "user": a string as is, other values as JSON\n\nOK: 1 SecretProviderClass in 1 file\n$/,
    );
  });
});
