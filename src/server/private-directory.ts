/**
 * Creates (or checks) a directory only the provider's user may enter: mode 0700, owned by us.
 * For the node-local state directory (persisted cache entries) and anything else that holds
 * secret material at rest. Called once at start; a directory another user could read or swap
 * is refused rather than repaired, because its contents may already have been tampered with.
 */
import { chmod, lstat, mkdir } from 'node:fs/promises';

export class PrivateDirectoryError extends Error {
  override readonly name = 'PrivateDirectoryError';
}

export async function ensurePrivateDirectory(path: string): Promise<void> {
  // recursive mkdir applies the mode to every directory it creates; umask can only narrow it.
  await mkdir(path, { recursive: true, mode: 0o700 });
  const info = await lstat(path);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new PrivateDirectoryError(`${path} is not a directory (a symlink or file is refused)`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new PrivateDirectoryError(`${path} is owned by uid ${info.uid}, not by the provider (uid ${uid})`);
  }
  // A directory we own but created earlier with a wider mode is narrowed, not trusted as is.
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o700);
}
