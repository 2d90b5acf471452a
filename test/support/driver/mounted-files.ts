// What a container sees in the volume: the user-visible names, read through their symlinks.
// For assertions only; the writer's `..`-prefixed bookkeeping entries are skipped as a
// container's `ls` (without -a) would.
import { readFile, readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';

export interface MountedFile {
  contents: Buffer;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
}

/** Every regular file under `targetPath`, keyed by its slash-separated path relative to it. */
export async function readMountedFiles(targetPath: string): Promise<Map<string, MountedFile>> {
  const files = new Map<string, MountedFile>();
  const visit = async (relative: string): Promise<void> => {
    const dir = relative === '' ? targetPath : posix.join(targetPath, relative);
    for (const name of (await readdir(dir)).sort()) {
      if (relative === '' && name.startsWith('..')) continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const full = posix.join(targetPath, path);
      // stat, not lstat: follow `name -> ..data/name` like open(2) in the container does.
      const info = await stat(full);
      if (info.isDirectory()) await visit(path);
      else if (info.isFile()) files.set(path, { contents: await readFile(full), mode: info.mode & 0o7777 });
    }
  };
  await visit('');
  return files;
}
