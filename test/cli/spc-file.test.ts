import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readSecretProviderClass } from '../../src/cli/spc-file.js';

describe('readSecretProviderClass (the mount command reads what kubectl would apply)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcp-spc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(text: string): Promise<string> {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(path, text);
    return path;
  }
  const spc = (name: string, parameters: string) =>
    `apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: ${name}\nspec:\n  provider: vault\n  parameters:\n${parameters}`;

  test('the first SecretProviderClass of a multi-document file, or the named one', async () => {
    const path = await file(
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n---\n${spc('a', '    roleName: app\n')}---\n${spc('b', '    roleName: other\n')}`,
    );
    assert.deepEqual(await readSecretProviderClass(path), {
      name: 'a',
      provider: 'vault',
      parameters: { roleName: 'app' },
    });
    assert.equal((await readSecretProviderClass(path, 'b')).parameters.roleName, 'other');
    await assert.rejects(readSecretProviderClass(path, 'c'), /no SecretProviderClass named "c" in the file/);
  });

  test('errors name the file and the field, as the API server would refuse it', async () => {
    await assert.rejects(
      readSecretProviderClass(join(dir, 'missing.yaml')),
      /cannot read --spc ".*missing.yaml" \(ENOENT\)/,
    );
    await assert.rejects(
      readSecretProviderClass(await file(spc('a', '    roleName: app\n    vaultSkipTLSVerify: true\n'))),
      /spec\.parameters\.vaultSkipTLSVerify: /,
    );
    await assert.rejects(readSecretProviderClass(await file('kind: Pod\n')), /no SecretProviderClass in the file/);
  });
});
