import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { DriverEmulator, legacyDriverAuthority } from '../support/driver/index.js';
import { ensureBuiltProvider, PROVIDER_MAIN } from '../support/built-provider.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';
import { startProviderProcess } from '../support/provider-process.js';

const OBJECTS = `- {objectName: username, secretPath: secret/data/app, secretKey: username}`;

describe('the socket server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('Version answers v1alpha1 with the runtime name and a semver version', async () => {
    const version = await h.driver.version();
    assert.equal(version.version, 'v1alpha1');
    assert.equal(version.runtimeName, 'vault-csi-provider-ts');
    assert.match(version.runtimeVersion, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  test('the socket is owner-only', async () => {
    const info = await stat(h.config.endpoint);
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o600);
  });

  test('an old driver sending the (percent-encoded) socket path as :authority is served', async () => {
    const oldDriver = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: h.issuer,
      authority: legacyDriverAuthority(h.config.endpoint),
    });
    try {
      const outcome = await oldDriver.mount(h.appPod(), { spc: h.spc(spcParameters(OBJECTS)) }, h.target());
      assert.equal(outcome.files[0]!.contents.toString(), 'app-user');
    } finally {
      oldDriver.close();
    }
  });

  test('the audit line names a misspelt SPC parameter, whose value is otherwise silently unused', async () => {
    await h.mount(h.appPod(), { ...spcParameters(OBJECTS), vaultAdress: 'https://elsewhere:8200' });
    const audit = JSON.parse(h.logs.filter((line) => line.includes('"audit":true')).at(-1) ?? '{}') as {
      result?: string;
      possiblyMisspeltParameters?: string[];
    };
    assert.equal(audit.result, 'ok');
    assert.deepEqual(audit.possiblyMisspeltParameters, ['vaultAdress (did you mean vaultAddress?)']);
    assert.ok(!h.logs.join('\n').includes('elsewhere'), 'names only, never values');
  });

  test('health: live, ready while serving, and metrics', async () => {
    const base = `http://127.0.0.1:${h.provider.healthAddress!.port}`;
    const live = await request(`${base}/health/live`);
    assert.equal(live.statusCode, 200);
    await live.body.dump();
    const ready = await request(`${base}/health/ready`);
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
    await h.mount(h.appPod(), spcParameters(OBJECTS));
    const metrics = await request(`${base}/metrics`);
    const text = await metrics.body.text();
    assert.match(text, /vault_csi_provider_mount_requests_total\{result="ok"\} [1-9]/);
    assert.match(text, /vault_csi_provider_vault_logins_total\{result="ok"\} [1-9]/);
  });
});

describe('process lifecycle', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcp-proc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a stale socket is replaced at start; SIGTERM stops gracefully and removes the socket; readiness follows', async () => {
    const socketPath = join(dir, 'vault.sock');
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(socketPath, resolve));
    // Leave the file behind as a crashed process would.
    stale.close();
    await writeFile(join(dir, 'marker'), '');
    const provider = await startProviderProcess({ socketPath, args: ['-vault-addr=http://127.0.0.1:1'] });
    try {
      const info = await stat(socketPath);
      assert.ok(info.isSocket());
      assert.equal(await provider.get('/health/ready'), 200);
    } finally {
      await provider.stop();
    }
    assert.equal(provider.child.exitCode, 0);
    await assert.rejects(stat(socketPath), { code: 'ENOENT' });
  });

  test('refuses to replace a regular file at the socket path', async () => {
    const path = join(dir, 'not-a-socket');
    await writeFile(path, 'keep me');
    await ensureBuiltProvider();
    const child = spawn(process.execPath, [PROVIDER_MAIN, `-endpoint=${path}`, '-health-addr=127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /not a socket/);
  });
});
