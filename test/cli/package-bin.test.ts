/**
 * The package's `bin` as users run it (docs/cli.md): through npx in the checkout after
 * `npm run build`, and from a global install of the packed package (`npm pack`, then
 * `npm install -g` into a temporary prefix; dependencies come from the registry as for any user).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBuiltProvider } from '../support/built-provider.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);

const SPC = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: app
spec:
  provider: vault
  parameters:
    roleName: app
    objects: |
      - {objectName: password, secretPath: secret/data/app, secretKey: password}
`;

describe('the vault-csi-provider bin', () => {
  let dir: string;
  before(async () => {
    await ensureBuiltProvider();
    dir = await mkdtemp(join(tmpdir(), 'vcp-bin-'));
    await writeFile(join(dir, 'spc.yaml'), SPC);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('npx vault-csi-provider works in the checkout', async () => {
    const { stdout } = await exec('npx', ['--no-install', 'vault-csi-provider', '--help'], { cwd: REPO });
    assert.match(stdout, /^ {2}check +lint SecretProviderClass files/m);
    const check = await exec('npx', ['--no-install', 'vault-csi-provider', 'check', join(dir, 'spc.yaml')], {
      cwd: REPO,
    });
    assert.match(check.stdout, /\nOK: 1 SecretProviderClass in 1 file\n$/);
  });

  test('a global install of the packed package puts it on PATH', { timeout: 180_000 }, async () => {
    const { stdout: packed } = await exec('npm', ['pack', '--silent', '--pack-destination', dir, REPO], {
      cwd: dir,
    });
    const tarball = join(dir, packed.trim().split('\n').at(-1) ?? '');
    const prefix = join(dir, 'prefix');
    await exec('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      cwd: dir,
      timeout: 170_000,
    });
    const bin = join(prefix, 'bin', 'vault-csi-provider');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
    const { stdout } = await exec('vault-csi-provider', ['version'], { env, cwd: dir });
    assert.match(stdout, /"name":"vault-csi-provider-ts"/);
    const check = await exec(bin, ['check', 'spc.yaml'], { cwd: dir });
    assert.match(check.stdout, /^SecretProviderClass "app" \(spc\.yaml\): valid\n/);
  });
});
