/**
 * The output stage of one Mount: each rendered object written as a file with its mode, and its
 * version; then the size check, so an answer the driver could not receive fails here with the
 * sizes rather than there with a transport error.
 */
import { ResponseTooLargeError } from '../../errors.js';
import type { RenderedObject } from '../render/object-renderer.js';
import type { MountSpec } from '../spec/mount-spec.js';
import { objectVersion } from './object-version.js';

export interface MountedFile {
  readonly path: string;
  readonly mode: number;
  readonly contents: Buffer;
}

export interface ObjectVersionEntry {
  readonly id: string;
  readonly version: string;
}

export interface MountedFiles {
  readonly files: readonly MountedFile[];
  readonly objectVersions: readonly ObjectVersionEntry[];
}

export function mountedFiles(spec: MountSpec, rendered: readonly RenderedObject[], hmacKey: Buffer): MountedFiles {
  const files: MountedFile[] = [];
  const objectVersions: ObjectVersionEntry[] = [];
  for (const { object, contents } of rendered) {
    files.push({ path: object.objectName, mode: object.filePermission ?? spec.defaultFileMode, contents });
    objectVersions.push({ id: object.objectName, version: objectVersion(hmacKey, object, contents) });
  }
  return { files, objectVersions };
}

/** Refuses a response larger than `maxResponseBytes`, naming the largest files. */
export function checkResponseSize(output: MountedFiles, maxResponseBytes: number): void {
  const { files, objectVersions } = output;
  // Protobuf overhead per entry is a few bytes; count it generously so we refuse before the driver would.
  const size =
    files.reduce((total, file) => total + file.contents.length + Buffer.byteLength(file.path) + 16, 0) +
    objectVersions.reduce((total, version) => total + Buffer.byteLength(version.id) + version.version.length + 8, 0);
  if (size <= maxResponseBytes) return;
  const largest = [...files]
    .sort((a, b) => b.contents.length - a.contents.length)
    .slice(0, 3)
    .map((file) => `"${file.path}" ${file.contents.length} bytes`)
    .join(', ');
  throw new ResponseTooLargeError(
    `the mount's files total about ${size} bytes, over the limit of ${maxResponseBytes} bytes (-max-response-bytes, the driver's --max-call-recv-msg-size); largest: ${largest}`,
  );
}
