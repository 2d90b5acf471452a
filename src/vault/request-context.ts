/**
 * What a Vault request is for, carried implicitly from the Mount that caused it down to the
 * HTTP layer (AsyncLocalStorage), so the scheduler can put first mounts ahead of republishes and
 * retries can stop before the Mount's deadline without threading both through every signature.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** `first-mount`: a pod waiting to start. `republish`: a pod running on its old files. `background`: renewals. */
export type RequestPriority = 'first-mount' | 'republish' | 'background';

export interface RequestContext {
  readonly priority: RequestPriority;
  /** Who the request is for (a pod uid; '' for background work): Vault slots are shared fairly between tenants. */
  readonly tenant: string;
  /** Epoch ms (wall clock) by which the Mount must have its answer; Infinity when unbounded. */
  readonly deadlineMs: number;
  /** Bytes all of this Mount's Vault answers may take together, counted as they stream in. */
  readonly responseBytes?: ResponseByteBudget;
}

/**
 * One Mount's allowance of Vault answer bytes (its files can be no larger than
 * `-max-response-bytes`, so its answers need not be much larger either). Counted while bodies
 * stream in: once passed, the body being read is dropped and the Mount fails, so a pod cannot
 * make the provider hold more than its share whatever its objects point at.
 */
export class ResponseByteBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Counts `bytes` more; false once the Mount's answers are past the limit. */
  take(bytes: number): boolean {
    this.used += bytes;
    return this.used <= this.limitBytes;
  }
}

const storage = new AsyncLocalStorage<RequestContext>();

const BACKGROUND: RequestContext = { priority: 'background', tenant: '', deadlineMs: Number.POSITIVE_INFINITY };

export function runWithRequestContext<T>(context: RequestContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? BACKGROUND;
}
