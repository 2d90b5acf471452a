/**
 * `vault-csi-provider mount` end to end: the command runs as its own process (as an operator runs
 * it on a node) against a provider started by the harness and the dev Vault, and writes the
 * files as the driver would. Its output is asserted; the token never appears in it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readMountedFiles } from '../support/driver/index.js';
import { SAMPLE, startHarness, type Harness } from '../support/harness.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function runMount(args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, 'mount', ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const SPC = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: app-secrets
  namespace: default
spec:
  provider: vault
  parameters:
    roleName: app
    objects: |
      - objectName: username
        secretPath: secret/data/app
        secretKey: username
      - objectName: password
        secretPath: secret/data/app
        secretKey: password
        filePermission: 0600
`;

describe('vault-csi-provider mount', () => {
  let h: Harness;
  let spcFile: string;
  let token: string;
  let tokenFile: string;
  const uid = '0c6a4f3e-5d1b-4e7a-9c2d-8f1e2a3b4c5d';

  before(async () => {
    h = await startHarness();
    spcFile = join(h.dir, 'spc.yaml');
    await writeFile(spcFile, SPC);
    ({ token } = await h.issuer.sign({
      namespace: 'default',
      serviceAccountName: 'app',
      podName: 'debug',
      podUid: uid,
      audiences: ['vault'],
    }));
    tokenFile = join(h.dir, 'token');
    await writeFile(tokenFile, `${token}\n`);
  });
  after(async () => {
    await h.stop();
  });

  const base = (target: string): string[] => [
    `--socket=${h.config.endpoint}`,
    `--spc=${spcFile}`,
    `--pod=default/debug/${uid}`,
    '--service-account=app',
    `--token-file=${tokenFile}`,
    `--target=${target}`,
  ];

  test('mounts like the driver: files through ..data, modes, versions on stdout, no token anywhere', async () => {
    const target = h.target('mount-command');
    const result = await runMount(base(target));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(
      lines[0],
      `mounted SecretProviderClass "app-secrets" for pod default/debug (uid ${uid}, service account app) into ${target}: 2 files, written`,
    );
    assert.match(lines[1] ?? '', /^ {2}0644 +8 bytes {2}username {2}version \S+$/);
    assert.match(lines[2] ?? '', /^ {2}0600 +11 bytes {2}password {2}version \S+$/);
    assert.ok(!result.stdout.includes(token) && !result.stdout.includes(SAMPLE.kv2.data.password));

    const files = await readMountedFiles(target);
    assert.equal(files.get('username')?.contents.toString(), SAMPLE.kv2.data.username);
    assert.equal(files.get('password')?.mode, 0o600);
    assert.equal(await readlink(join(target, 'password')), '..data/password');
    assert.ok((await lstat(join(target, '..data'))).isSymbolicLink());
    // The provider saw the driver's request: the audit line names our pod.
    assert.ok(h.logs.some((line) => line.includes('"audit":true') && line.includes(uid)));
    assert.ok(!h.logs.join('\n').includes(token));

    const again = await runMount(base(target));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /2 files, unchanged/);
  });

  test("the provider's refusal is shown as the pod's event would show it, exit 1", async () => {
    const target = h.target();
    // No --token-file: what a CSIDriver without tokenRequests sends.
    const result = await runMount(base(target).filter((arg) => !arg.startsWith('--token-file')));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^mount failed: provider returned UNAUTHENTICATED: parameter "csi.storage.k8s.io\/serviceAccount.tokens": the driver sent no service-account tokens/,
    );
    assert.equal(result.stdout, '');
  });

  test('usage errors exit 2 with the usage text', async () => {
    const result = await runMount([`--spc=${spcFile}`, `--target=${h.target()}`]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^--pod is required\n\nUsage: vault-csi-provider mount/);
  });
});
