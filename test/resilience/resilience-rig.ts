/**
 * Shared pieces of the resilience tests: a harness with a victim path and a bystander path,
 * mounts that record gRPC outcomes, and the assertion that files written earlier are untouched.
 */
import assert from 'node:assert/strict';
import { readMountedFiles } from '../support/driver/index.js';
import { spcParameters, startHarness, type Harness, type HarnessOptions } from '../support/harness.js';

export const VICTIM = `- {objectName: victim, secretPath: secret/data/app/victim, secretKey: value}`;
export const BYSTANDER = `- {objectName: other, secretPath: secret/data/app/other, secretKey: value}`;
export const VICTIM_PREFIX = '/v1/secret/data/app/victim';

export interface GrpcError {
  code?: number;
  details?: string;
}

export async function startResilienceHarness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({
    ...options,
    providerArgs: ['-deadline-margin=1s', '-vault-request-timeout=2s', ...(options.providerArgs ?? [])],
  });
  h.vault.writeKv('secret', 'app/victim', { value: 'victim-value-1' });
  h.vault.writeKv('secret', 'app/other', { value: 'other-value-1' });
  return h;
}

/** A pod with files already mounted from `objects`, to check later that a failure left them alone. */
export async function mountedPod(h: Harness, objects: string) {
  const pod = h.appPod();
  const target = h.target();
  await h.mount(pod, spcParameters(objects), target);
  return { pod, target, files: await readMountedFiles(target) };
}

export async function assertUntouched(mounted: {
  target: string;
  files: Awaited<ReturnType<typeof readMountedFiles>>;
}) {
  assert.deepEqual(await readMountedFiles(mounted.target), mounted.files);
}

/** Expects a republish of `objects` to fail with `code` and a message matching `message`. */
export async function expectFailure(
  h: Harness,
  mounted: { pod: ReturnType<Harness['appPod']>; target: string },
  objects: string,
  expected: { code: number; message: RegExp },
  deadlineMs?: number,
): Promise<GrpcError> {
  let caught: GrpcError | undefined;
  await assert.rejects(
    h.driver.mount(
      mounted.pod,
      { spc: h.spc(spcParameters(objects)) },
      mounted.target,
      deadlineMs === undefined ? {} : { deadlineMs },
    ),
    (error: GrpcError) => {
      caught = error;
      assert.equal(error.code, expected.code, `status ${error.code} (${error.details})`);
      assert.match(error.details ?? '', expected.message);
      return true;
    },
  );
  return caught ?? {};
}

/** Requests Vault received for a path prefix since the last `stats.reset()`. */
export function requestsTo(h: Harness, prefix: string): number {
  return h.vault.stats.requests.filter((request) => request.path.startsWith(prefix)).length;
}
