// Kubernetes' atomic writer as the driver vendors it (fileutil, from k8s 1.20.6): the payload goes
// into a fresh `..<timestamp>.<rand>` directory, `..data` is swapped to it by rename, and each
// top-level name is a symlink through `..data`. Containers therefore see either the old or the new
// file set, never a mix. Stateless; the state is the target directory itself.
import { randomInt } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { posix } from 'node:path';
import { validatePayloadPath } from './payload-path.js';

export interface PayloadFile {
  path: string;
  mode: number;
  contents: Buffer;
}

const dataDirName = '..data';
const newDataDirName = '..data_tmp';

/** The first segment of a validated payload path: the name a symlink in the target dir gets. */
function topLevelName(path: string): string {
  return path.split('/')[0] ?? path;
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

// Go's os.IsNotExist is true for ENOENT only; ENOTDIR is a real error there, so it is here too.
function isNotExist(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

/**
 * File.mode is an int32 handed to os.FileMode and then chmod: only the permission bits and Go's
 * own setuid/setgid/sticky flag bits (not the unix 0o7000 bits) reach the file system.
 */
export function goFileModeToUnix(mode: number): number {
  const bits = mode >>> 0;
  let unix = bits & 0o777;
  if (bits & (1 << 23)) unix |= 0o4000;
  if (bits & (1 << 22)) unix |= 0o2000;
  if (bits & (1 << 20)) unix |= 0o1000;
  return unix;
}

/** `..YYYY_MM_DD_hh_mm_ss.` in UTC, the prefix Go's MkdirTemp gets; a random decimal follows. */
function timestampDirPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_` +
    `${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`
  );
}

async function newTimestampDir(targetDir: string): Promise<string> {
  const prefix = timestampDirPrefix(new Date());
  for (;;) {
    const dir = posix.join(targetDir, prefix + String(randomInt(0, 2 ** 32 - 1)));
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (error) {
      if (errorCode(error) === 'EEXIST') continue;
      throw error;
    }
    // 0755 so group/other can traverse whatever the process umask is.
    await chmod(dir, 0o755);
    return dir;
  }
}

// Every path (files and directories) under the old data dir, relative, that the new payload lacks.
async function pathsToRemove(payload: ReadonlyMap<string, PayloadFile>, oldTsPath: string): Promise<Set<string>> {
  const existing = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    const full = relative === '' ? oldTsPath : posix.join(oldTsPath, relative);
    const info = await lstat(full);
    if (relative !== '') existing.add(relative);
    if (!info.isDirectory()) return;
    for (const name of (await readdir(full)).sort()) await walk(relative === '' ? name : `${relative}/${name}`);
  };
  try {
    await walk('');
  } catch (error) {
    if (isNotExist(error)) return new Set();
    throw error;
  }
  const kept = new Set<string>();
  for (const file of payload.keys()) {
    // Parent directories of new files stay too, so non-empty directories are never removed.
    for (let sub = file; sub !== '' && sub !== '.'; sub = posix.dirname(sub)) kept.add(sub);
  }
  return new Set([...existing].filter((p) => !kept.has(p)));
}

// Contents only: a mode-only change does not trigger a write (as in Kubernetes).
async function shouldWritePayload(payload: ReadonlyMap<string, PayloadFile>, oldTsPath: string): Promise<boolean> {
  for (const [path, file] of payload) {
    const full = posix.join(oldTsPath, path);
    try {
      await lstat(full);
    } catch (error) {
      if (isNotExist(error)) return true;
      throw error;
    }
    if (!file.contents.equals(await readFile(full))) return true;
  }
  return false;
}

async function writePayloadToDir(payload: ReadonlyMap<string, PayloadFile>, dir: string): Promise<void> {
  for (const [path, file] of payload) {
    const full = posix.join(dir, path);
    await mkdir(posix.dirname(full), { recursive: true, mode: 0o777 });
    const mode = goFileModeToUnix(file.mode);
    await writeFile(full, file.contents, { mode });
    // open(2) applied the umask; chmod makes the mode exactly what the provider asked for.
    await chmod(full, mode);
  }
}

async function createUserVisibleFiles(payload: ReadonlyMap<string, PayloadFile>, targetDir: string): Promise<void> {
  for (const path of payload.keys()) {
    const linkName = topLevelName(path);
    const visible = posix.join(targetDir, linkName);
    try {
      await readlink(visible);
    } catch (error) {
      if (!isNotExist(error)) continue;
      await symlink(posix.join(dataDirName, linkName), visible);
    }
  }
}

// os.Remove: unlink, or rmdir for an (empty) directory.
async function goRemove(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM') throw error;
    await rmdir(path);
  }
}

async function removeUserVisiblePaths(paths: ReadonlySet<string>, targetDir: string): Promise<void> {
  let lastError: Error | undefined;
  for (const path of paths) {
    // Only top-level entries are symlinks in the target dir; nested ones vanished with the old data dir.
    if (path.includes('/')) continue;
    try {
      await goRemove(posix.join(targetDir, path));
    } catch (error) {
      // Like Go: keep pruning the rest, report the last failure.
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }
  if (lastError !== undefined) throw lastError;
}

/** AtomicWriter.Write on an already validated, de-duplicated payload. Returns whether it wrote. */
export async function atomicWrite(targetDir: string, payload: ReadonlyMap<string, PayloadFile>): Promise<boolean> {
  const dataDirPath = posix.join(targetDir, dataDirName);
  let oldTsDir = '';
  try {
    oldTsDir = await readlink(dataDirPath);
  } catch (error) {
    if (!isNotExist(error)) throw error;
  }
  const oldTsPath = posix.join(targetDir, oldTsDir);

  let removals = new Set<string>();
  if (oldTsDir !== '') {
    removals = await pathsToRemove(payload, oldTsPath);
    if (!(await shouldWritePayload(payload, oldTsPath)) && removals.size === 0) return false;
  }

  const tsDir = await newTimestampDir(targetDir);
  await writePayloadToDir(payload, tsDir);
  await createUserVisibleFiles(payload, targetDir);

  const newDataDirPath = posix.join(targetDir, newDataDirName);
  try {
    await symlink(posix.basename(tsDir), newDataDirPath);
  } catch (error) {
    await rm(tsDir, { recursive: true, force: true });
    throw error;
  }
  try {
    // rename(2) replaces the ..data symlink atomically: readers follow either the old or new dir.
    await rename(newDataDirPath, dataDirPath);
  } catch (error) {
    await rm(newDataDirPath, { force: true });
    await rm(tsDir, { recursive: true, force: true });
    throw error;
  }

  await removeUserVisiblePaths(removals, targetDir);
  if (oldTsDir !== '') await rm(oldTsPath, { recursive: true, force: true });
  return true;
}

// Files a legacy provider wrote straight into the mount are not symlinks and would shadow the
// writer's links; the driver deletes them before the first atomic write.
async function cleanupLegacyFiles(targetDir: string, files: readonly PayloadFile[]): Promise<void> {
  for (const file of files) {
    const entry = posix.join(targetDir, topLevelName(file.path));
    let info;
    try {
      info = await lstat(entry);
    } catch (error) {
      if (isNotExist(error)) continue;
      throw error;
    }
    if (info.isSymbolicLink()) continue;
    await rm(entry, { recursive: true, force: true });
  }
}

/**
 * fileutil.WritePayloads: validate every path first (one bad path fails all, touching nothing),
 * remove legacy files, then atomically project the payload. A later duplicate path wins, as in
 * the driver's map. Returns whether the target directory changed.
 */
export async function writePayloads(targetPath: string, files: readonly PayloadFile[]): Promise<boolean> {
  for (const file of files) validatePayloadPath(file.path);
  try {
    await cleanupLegacyFiles(targetPath, files);
  } catch (error) {
    throw new Error(`cleanup failure: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // NewAtomicWriter: the target directory must already exist (the driver mounted a tmpfs there).
  await stat(targetPath);
  const payload = new Map<string, PayloadFile>();
  for (const file of files) payload.set(file.path, file);
  return atomicWrite(targetPath, payload);
}
