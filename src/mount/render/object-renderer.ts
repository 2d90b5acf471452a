/**
 * The render stage of a Mount: every object's file bytes from the Vault responses. Objects that
 * use only the Go provider's fields are rendered here on the main thread: their cost is linear in
 * bytes the per-Mount byte budget already bounds. Objects whose cost their SPC chooses
 * (templates, `jmesPath`, `format`, `pki`) go to the sandbox as one task per Mount, under its
 * CPU-time and memory limits, so no pod's expression can hold the event loop every other pod,
 * probe and socket call shares. One instance per process.
 */
import { InternalError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { runInSandbox } from '../../sandbox/sandbox-call.js';
import type { SandboxPool } from '../../sandbox/sandbox-pool.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import type { RequestPlan } from '../plan.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';
import { renderPlanned, usesFeatures } from './render-planned.js';
import type { RenderResult, RenderSandboxTask, RenderTask } from './render-task.js';

export interface ObjectRendererOptions {
  readonly pool: SandboxPool;
  /** CPU (wall-clock) time the sandboxed objects of one Mount may take (-sandbox-time-limit). */
  readonly timeLimitMs: number;
  /** Heap a worker may use, for messages (-sandbox-memory-limit). */
  readonly memoryLimitMb: number;
  /** What the files of one Mount may take (-max-response-bytes). */
  readonly maxBytes: number;
  readonly logger: Logger;
}

export interface RenderCall {
  /** Whose Mount it is (the pod uid): the sandbox queue is fair between tenants. */
  readonly tenant: string;
  /** Epoch ms (wall clock) by which the Mount must answer. */
  readonly deadlineMs: number;
  /** The driver cancelled the call. */
  readonly cancelled: AbortSignal;
}

export interface RenderedObject {
  readonly object: SecretObjectSpec;
  readonly contents: Buffer;
}

/** Whether an object's cost is chosen by its SPC, so it renders in the sandbox. */
export function rendersInSandbox(object: SecretObjectSpec): boolean {
  return usesFeatures(object);
}

export class ObjectRenderer {
  constructor(private readonly options: ObjectRendererOptions) {}

  /** Each object with its file's bytes, in order; throws one ProviderError. */
  async render(
    objects: readonly SecretObjectSpec[],
    plan: RequestPlan,
    secrets: ReadonlyMap<string, VaultSecret>,
    call: RenderCall,
  ): Promise<RenderedObject[]> {
    const sandboxed = objects.filter(rendersInSandbox);
    const fromSandbox = (
      sandboxed.length === 0 ? [] : await this.renderSandboxed(sandboxed, plan, secrets, call)
    ).values();
    return objects.map((object) => {
      if (!rendersInSandbox(object)) return { object, contents: renderPlanned(object, plan, secrets) };
      const next = fromSandbox.next();
      if (next.done === true) throw new InternalError('the sandbox returned fewer files than objects');
      return { object, contents: next.value };
    });
  }

  private async renderSandboxed(
    objects: readonly SecretObjectSpec[],
    plan: RequestPlan,
    secrets: ReadonlyMap<string, VaultSecret>,
    call: RenderCall,
  ): Promise<Buffer[]> {
    const needed = new Set<string>();
    for (const object of objects) {
      const key = plan.requestKeyByObject.get(object.objectName);
      for (const each of key === undefined ? (plan.templateKeysByObject.get(object.objectName) ?? []) : [key]) {
        needed.add(each);
      }
    }
    const task: RenderTask = {
      objects,
      secrets: [...needed].flatMap((key) => {
        const secret = secrets.get(key);
        return secret === undefined ? [] : [[key, secret] as const];
      }),
      maxBytes: this.options.maxBytes,
    };
    const result = await runInSandbox<RenderResult>({ kind: 'render', task } satisfies RenderSandboxTask, {
      pool: this.options.pool,
      tenant: call.tenant,
      timeLimitMs: this.options.timeLimitMs,
      memoryLimitMb: this.options.memoryLimitMb,
      deadlineMs: call.deadlineMs,
      cancelled: call.cancelled,
      activity: 'rendering',
      subject: (progress) => culprit(objects, progress),
      logger: this.options.logger,
    });
    return result.map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }
}

function describe(objects: readonly SecretObjectSpec[]): string {
  const names = objects.map((object) => JSON.stringify(object.objectName));
  return names.length === 1 ? `object ${names[0] ?? ''}` : `objects ${names.join(', ')}`;
}

/** The object a limit stopped, when the worker had reported which one it was rendering. */
function culprit(objects: readonly SecretObjectSpec[], progress: number): string {
  const object = objects[progress];
  return object === undefined ? describe(objects) : `object ${JSON.stringify(object.objectName)}`;
}
