import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ensurePrivateDirectory, PrivateDirectoryError } from '../../src/server/private-directory.js';

describe('ensurePrivateDirectory (state directory owner-only)', () => {
  test('creates 0700, narrows a wider mode, refuses a symlink', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcp-private-'));
    try {
      const created = join(root, 'a', 'state');
      await ensurePrivateDirectory(created);
      assert.equal((await stat(created)).mode & 0o777, 0o700);

      const wide = join(root, 'wide');
      await mkdir(wide);
      await chmod(wide, 0o777);
      await ensurePrivateDirectory(wide);
      assert.equal((await stat(wide)).mode & 0o777, 0o700);

      const link = join(root, 'link');
      await symlink(wide, link);
      await assert.rejects(ensurePrivateDirectory(link), PrivateDirectoryError);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
