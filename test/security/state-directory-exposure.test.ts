/**
 * Threat: another local user (or a container sharing the hostPath) reads the node-local state
 * directory, where dynamic credentials survive restarts. Control: the directory is created
 * owner-only (0700), files in it are not readable by others, and their contents are encrypted
 * (AES-256-GCM with -state-key-file), so the credential bytes never sit on disk in clear.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { spcParameters, startHarness } from '../support/harness.js';

describe('threat: reading dynamic credentials from the state directory', () => {
  test('the state directory is 0700, its files private, and the credential is not stored in clear', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcp-state-'));
    const stateDir = join(root, 'state');
    const keyFile = join(root, 'state.key');
    await writeFile(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const h = await startHarness({ providerArgs: [`-state-dir=${stateDir}`, `-state-key-file=${keyFile}`] });
    h.vault.writeDatabaseRole('app', { defaultTtlSeconds: 600, maxTtlSeconds: 900 });
    try {
      const outcome = await h.mount(
        h.appPod(),
        spcParameters('- {objectName: db, secretPath: database/creds/app, secretKey: password}'),
      );
      const password = outcome.files[0]!.contents.toString();
      assert.ok(password.length > 8);
      // The store writes after a short debounce; wait for a file to appear (bounded).
      let names: string[] = [];
      for (let i = 0; i < 40 && names.length === 0; i++) {
        await sleep(100);
        names = await readdir(stateDir).catch(() => []);
      }
      assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
      assert.ok(names.length > 0, 'the lease cache was persisted');
      for (const name of names) {
        const path = join(stateDir, name);
        assert.equal((await stat(path)).mode & 0o077, 0, `${name} is readable by others`);
        assert.ok(!(await readFile(path)).includes(password), `${name} holds the credential in clear`);
      }
    } finally {
      await h.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
