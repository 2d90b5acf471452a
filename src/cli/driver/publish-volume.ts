// The driver's NodePublishVolume after the request is built (v1.6.0 nodeserver + provider client):
// call the provider, apply the driver's response checks, write the files with the atomic writer.
// Shared by the operator's `mount` command and the test emulator, so both behave as the driver.
import { mkdir } from 'node:fs/promises';
import type { MountRequest } from '../../generated/v1alpha1/MountRequest.js';
import { writePayloads, type PayloadFile } from './atomic-writer.js';
import { DriverErrorReason, DriverMountError } from './driver-errors.js';
import type { ProviderClient } from './provider-client.js';

export interface PublishOutcome {
  files: PayloadFile[];
  objectVersions: { id: string; version: string }[];
  /** Whether the atomic writer changed the target (false when contents were identical). */
  written: boolean;
}

/**
 * Throws the grpc-js ServiceError unchanged when the provider fails the call, a DriverMountError
 * for the driver's own checks; files already in `targetPath` stay untouched on every failure
 * (the atomic writer validates every path before it writes).
 */
export async function publishVolume(
  client: ProviderClient,
  request: MountRequest,
  targetPath: string,
  deadlineMs: number,
): Promise<PublishOutcome> {
  // Kubelet creates the target directory and the driver mounts a tmpfs on it before calling.
  await mkdir(targetPath, { recursive: true });
  const response = await client.mount(request, deadlineMs);

  const code = response.error?.code ?? '';
  if (code !== '') throw new DriverMountError(code, `mount request failed with provider error code ${code}`);
  if (response.objectVersion.length === 0) {
    throw new DriverMountError(DriverErrorReason.GRPCProviderError, 'missing object versions');
  }
  const objectVersions = response.objectVersion.map(({ id, version }) => ({ id, version }));
  const files = response.files.map(({ path, mode, contents }) => ({ path, mode, contents }));
  // Legacy providers wrote files themselves; an empty list leaves the mount as it is.
  if (files.length === 0) return { files, objectVersions, written: false };

  let written: boolean;
  try {
    written = await writePayloads(targetPath, files);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DriverMountError(DriverErrorReason.FileWriteError, message, { cause: error });
  }
  return { files, objectVersions, written };
}
