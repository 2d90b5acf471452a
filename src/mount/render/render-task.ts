/**
 * The render work of one Mount that runs in the sandbox (a worker thread): the objects whose
 * cost their SecretProviderClass chooses (templates, `jmesPath`, `format`, `pki`), with only the
 * Vault responses they read. Pure and plain data both ways, so it crosses threads by structured
 * clone. Lives for one Mount.
 */
import { ResponseTooLargeError } from '../../errors.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import { planRequests } from '../plan.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';
import { renderPlanned } from './render-planned.js';

export interface RenderTask {
  readonly objects: readonly SecretObjectSpec[];
  /** The responses the objects read, by `VaultRequest.key`. */
  readonly secrets: readonly (readonly [string, VaultSecret])[];
  /** What the objects' files may take together (-max-response-bytes): counted as they are made. */
  readonly maxBytes: number;
}

/** The render task as the sandbox worker receives it (src/mount/sandbox-worker.ts). */
export interface RenderSandboxTask {
  readonly kind: 'render';
  readonly task: RenderTask;
}

/** One file's bytes per object, in the task's order. */
export type RenderResult = readonly Uint8Array[];

/** Renders every object of the task; `progress(i)` marks object i as the one being rendered. */
export function runRenderTask(task: RenderTask, progress: (index: number) => void): RenderResult {
  // Request keys are a pure function of the objects, so the worker's plan matches the Mount's.
  const plan = planRequests(task.objects);
  const secrets = new Map(task.secrets);
  let total = 0;
  return task.objects.map((object, index) => {
    progress(index);
    const bytes = renderPlanned(object, plan, secrets, task.maxBytes);
    total += bytes.length;
    if (total > task.maxBytes) {
      throw new ResponseTooLargeError(
        `object ${JSON.stringify(object.objectName)}: the rendered files pass the limit of ${task.maxBytes} bytes (-max-response-bytes) at this object`,
      );
    }
    // An exact copy: a small Buffer is a view into a shared 8 KiB pool, which cloning would copy whole.
    return new Uint8Array(bytes);
  });
}
