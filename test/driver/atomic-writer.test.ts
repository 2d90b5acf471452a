import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { goFileModeToUnix, readMountedFiles, validatePayloadPath, writePayloads } from '../support/driver/index.js';

const file = (path: string, contents: string, mode = 0o644) => ({ path, mode, contents: Buffer.from(contents) });

let root: string;
let counter = 0;
async function freshTarget(): Promise<string> {
  const dir = join(root, `t${counter++}`);
  await mkdir(dir);
  return dir;
}

async function snapshot(target: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, { contents, mode }] of await readMountedFiles(target)) {
    out[path] = `${mode.toString(8)}:${contents.toString()}`;
  }
  return out;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atomic-writer-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writePayloads', () => {
  test('projects files through ..data symlinks into a timestamped directory', async () => {
    const target = await freshTarget();
    assert.equal(await writePayloads(target, [file('a', 'A'), file('nested/deep/b', 'B')]), true);

    const data = await readlink(join(target, '..data'));
    assert.match(data, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
    assert.equal((await stat(join(target, data))).mode & 0o777, 0o755);
    assert.equal(await readlink(join(target, 'a')), '..data/a');
    assert.equal(await readlink(join(target, 'nested')), '..data/nested');
    assert.deepEqual((await readdir(target)).sort(), ['..data', data, 'a', 'nested'].sort());
    assert.deepEqual(await snapshot(target), { a: '644:A', 'nested/deep/b': '644:B' });
  });

  test('an identical second write changes nothing and returns false', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'A')]);
    const before = await readlink(join(target, '..data'));
    assert.equal(await writePayloads(target, [file('a', 'A')]), false);
    assert.equal(await readlink(join(target, '..data')), before);
  });

  test('a mode-only change is not written', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'A', 0o644)]);
    assert.equal(await writePayloads(target, [file('a', 'A', 0o600)]), false);
    assert.equal((await readMountedFiles(target)).get('a')?.mode, 0o644);
  });

  test('a content change swaps ..data and removes the old directory', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'A1'), file('b', 'B')]);
    const oldDir = await readlink(join(target, '..data'));
    assert.equal(await writePayloads(target, [file('a', 'A2'), file('b', 'B')]), true);
    const newDir = await readlink(join(target, '..data'));
    assert.notEqual(newDir, oldDir);
    await assert.rejects(lstat(join(target, oldDir)), { code: 'ENOENT' });
    await assert.rejects(lstat(join(target, '..data_tmp')), { code: 'ENOENT' });
    assert.deepEqual(await snapshot(target), { a: '644:A2', b: '644:B' });
  });

  test('paths missing from a later payload are deleted, even with identical contents', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'A'), file('gone', 'G'), file('dir/x', 'X'), file('dir/y', 'Y')]);
    assert.equal(await writePayloads(target, [file('a', 'A'), file('dir/x', 'X')]), true);
    await assert.rejects(lstat(join(target, 'gone')), { code: 'ENOENT' });
    assert.deepEqual(await snapshot(target), { a: '644:A', 'dir/x': '644:X' });
  });

  test('modes are exact whatever the umask, including 0600, 0400 and 0', async () => {
    const target = await freshTarget();
    const previous = process.umask(0o077);
    try {
      await writePayloads(target, [
        file('r', 'r', 0o644),
        file('p', 'p', 0o600),
        file('ro', 'ro', 0o400),
        file('z', 'z', 0),
        file('x/e', 'e', 0o755),
      ]);
    } finally {
      process.umask(previous);
    }
    assert.deepEqual(await snapshot(target), { r: '644:r', p: '600:p', ro: '400:ro', z: '0:z', 'x/e': '755:e' });
  });

  test('Go FileMode bits: unix 0o4000 is dropped, only Go flag bits set setuid', () => {
    assert.equal(goFileModeToUnix(0o4755), 0o755);
    assert.equal(goFileModeToUnix((1 << 23) | 0o755), 0o4755);
    assert.equal(goFileModeToUnix(-1), 0o7777);
  });

  test('a legacy regular file at a payload name is replaced by the symlink', async () => {
    const target = await freshTarget();
    await writeFile(join(target, 'a'), 'written by an old provider');
    await writeFile(join(target, 'unrelated'), 'kept');
    await writePayloads(target, [file('a', 'A')]);
    assert.equal(await readlink(join(target, 'a')), '..data/a');
    assert.deepEqual(await snapshot(target), { a: '644:A', unrelated: '644:kept' });
  });

  test('a duplicate path: the later file wins', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'first'), file('a', 'second', 0o600)]);
    assert.deepEqual(await snapshot(target), { a: '600:second' });
  });

  test('the target directory must exist', async () => {
    await assert.rejects(writePayloads(join(root, 'missing'), [file('a', 'A')]), { code: 'ENOENT' });
  });
});

const invalidPaths: [string, string, RegExp][] = [
  ['empty', '', /must not be empty/],
  ['absolute', '/etc/passwd', /must be relative/],
  ['.. element', 'a/../b', /must not contain '\.\.'/],
  ['bare ..', '..', /must not contain '\.\.'/],
  ['first element ..data', '..data', /must not start with '\.\.'/],
  ['first element ..foo/x', '..foo/x', /must not start with '\.\.'/],
  ['element > 255 bytes', `d/${'n'.repeat(256)}`, /filenames must be less than or equal to 255/],
  ['multi-byte element > 255 bytes', 'é'.repeat(128), /filenames must be less than or equal to 255/],
  ['path > 4096 bytes', Array.from({ length: 20 }, () => 'x'.repeat(250)).join('/'), /less than or equal to 4096/],
  ['leading ./', './a', /invalid filepath/],
  ['trailing slash', 'a/', /invalid filepath/],
  ['double slash', 'a//b', /invalid filepath/],
  ['inner . element', 'a/./b', /invalid filepath/],
  ['trailing /.', 'a/.', /invalid filepath/],
];

describe('validatePayloadPath', () => {
  for (const [name, path, message] of invalidPaths) {
    test(`rejects ${name}`, () => {
      assert.throws(() => {
        validatePayloadPath(path);
      }, message);
    });
  }

  for (const path of ['a', 'a/b/c', 'a/..b', 'a..', '.hidden', 'x'.repeat(255), 'a/b..c/d']) {
    test(`accepts ${JSON.stringify(path.length > 20 ? `${path.slice(0, 10)}…` : path)}`, () => {
      validatePayloadPath(path);
    });
  }

  test('every invalid form fails the whole write and leaves the old files untouched', async () => {
    const target = await freshTarget();
    await writePayloads(target, [file('a', 'A'), file('b', 'B')]);
    const dataBefore = await readlink(join(target, '..data'));
    const entriesBefore = (await readdir(target)).sort();
    for (const [, path] of invalidPaths) {
      await assert.rejects(writePayloads(target, [file('a', 'changed'), file(path, 'bad')]), Error);
    }
    assert.equal(await readlink(join(target, '..data')), dataBefore);
    assert.deepEqual((await readdir(target)).sort(), entriesBefore);
    assert.deepEqual(await snapshot(target), { a: '644:A', b: '644:B' });
  });
});
