// The driver's check of every File.path before anything touches the mount (fileutil.Validate):
// the atomic writer's own rules plus "already clean". One bad path fails the whole mount.
import { posix } from 'node:path';

const maxFileNameBytes = 255;
const maxPathBytes = 4096;

/** Go's path.Clean for slash-separated paths, which node's posix.normalize matches except here. */
function goClean(p: string): string {
  if (p === '') return '.';
  const normalized = posix.normalize(p);
  // normalize keeps a trailing slash ("a/" stays "a/"); Go's Clean drops it.
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Throws an Error with the driver's wording when `path` may not be written into a mount. */
export function validatePayloadPath(path: string): void {
  if (path === '') throw new Error(`invalid path: must not be empty: ${JSON.stringify(path)}`);
  if (path.startsWith('/')) throw new Error(`invalid path: must be relative path: ${path}`);
  // Go measures string length in bytes, so multi-byte names hit the limits sooner.
  if (Buffer.byteLength(path, 'utf8') > maxPathBytes) {
    throw new Error(`invalid path: must be less than or equal to ${maxPathBytes} characters`);
  }
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${path}`);
    if (Buffer.byteLength(item, 'utf8') > maxFileNameBytes) {
      throw new Error(`invalid path: filenames must be less than or equal to ${maxFileNameBytes} characters`);
    }
  }
  // `..data`, `..data_tmp` and `..<timestamp>` belong to the atomic writer.
  const first = items[0] ?? '';
  if (first.startsWith('..') && first.length > 2) {
    throw new Error(`invalid path: must not start with '..': ${path}`);
  }
  if (goClean(path) !== path) throw new Error(`invalid filepath: ${JSON.stringify(path)}`);
}
