/**
 * `objectName` is the file's path inside the mount. The driver validates it when it writes the
 * files (and fails the whole mount with a terse FileWriteError); we apply the same rules while
 * parsing, plus a few stricter ones, so the user gets a message naming the object and the fix.
 */
import path from 'node:path';
import { InvalidParameterError } from '../../errors.js';

/** The driver's limits (`pkg/util/fileutil`): bytes per path element and for the whole path. */
const MAX_ELEMENT_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/**
 * Why `objectName` is not a usable relative file path, or undefined when it is. Driver rules:
 * non-empty, relative, no `..` element, first element not starting with `..` (the atomic writer
 * reserves `..data` and `..<timestamp>`), element ≤ 255 bytes, path ≤ 4096 bytes, already clean.
 * Ours on top: no NUL (the kernel rejects it), no backslash (a Windows separator, never
 * intended on Linux), and not `.` (the mount directory itself).
 */
export function objectPathProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.includes('\0')) return 'must not contain a NUL character';
  if (name.includes('\\')) return 'must not contain a backslash; use "/" to make nested directories';
  if (name.startsWith('/')) return 'must be a relative path inside the mount, not an absolute path';
  if (Buffer.byteLength(name, 'utf8') > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes long`;
  const elements = name.split('/');
  if (elements.includes('..')) return 'must not contain a ".." element';
  if (elements[0]?.startsWith('..')) return 'must not start with ".." (the driver reserves such names)';
  if (elements.some((element) => Buffer.byteLength(element, 'utf8') > MAX_ELEMENT_BYTES)) {
    return `must not have a path element longer than ${MAX_ELEMENT_BYTES} bytes`;
  }
  if (name === '.') return 'must name a file, not the mount directory "."';
  if (name.endsWith('/')) return 'must not end with "/"';
  const clean = path.posix.normalize(name);
  if (clean !== name) return `must be a clean path (write "${clean}")`;
  return undefined;
}

/** Throws when `name` is not a valid object path; `label` names the object (`object "x" (objects[2])`). */
export function validateObjectPath(name: string, label: string): void {
  const problem = objectPathProblem(name);
  if (problem !== undefined) throw new InvalidParameterError(`${label}: objectName ${problem}`);
}

function describeIndexes(indexes: readonly number[]): string {
  return indexes.map((index) => `objects[${index}]`).join(', ');
}

export interface ObjectPathConflict {
  /** The entry to point at: the second use of a duplicated name, or the one needing a directory. */
  readonly index: number;
  readonly message: string;
}

/**
 * Every objectName is one file in one directory tree, so names must be unique (the Go provider
 * checks this too), and one object cannot be a file where another needs a directory
 * (`a` and `a/b`), which the driver would only discover while writing. Empty names (entries
 * whose name is already a problem) are skipped. All duplicates form one problem, each
 * file/directory clash one more.
 */
export function objectPathConflicts(names: readonly string[]): ObjectPathConflict[] {
  const indexesByName = new Map<string, number[]>();
  names.forEach((name, index) => {
    if (name === '') return;
    const indexes = indexesByName.get(name);
    if (indexes === undefined) indexesByName.set(name, [index]);
    else indexes.push(index);
  });
  const conflicts: ObjectPathConflict[] = [];
  const duplicates = [...indexesByName].filter(([, indexes]) => indexes.length > 1);
  if (duplicates.length > 0) {
    const listed = duplicates.map(([name, indexes]) => `"${name}" (${describeIndexes(indexes)})`).join(', ');
    conflicts.push({
      index: duplicates[0]?.[1][1] ?? 0,
      message: `parameter "objects": duplicate objectName ${listed}; each objectName is a file in the mount and must be unique`,
    });
  }
  for (const [name, indexes] of indexesByName) {
    const parts = name.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join('/');
      const parentIndexes = indexesByName.get(parent);
      if (parentIndexes !== undefined) {
        conflicts.push({
          index: indexes[0] ?? 0,
          message:
            `parameter "objects": objectName "${parent}" (${describeIndexes(parentIndexes)}) is a file, but "${name}" ` +
            `(${describeIndexes(indexes)}) needs it to be a directory; rename one of them`,
        });
      }
    }
  }
  return conflicts;
}
