/**
 * The fetch stage of one Mount: every planned request read once through the secret source, at
 * most `concurrency` at a time, inside the Mount's budget. The first failure aborts the rest (the
 * Mount fails as a whole: the driver deletes files missing from a response), and a spent budget
 * or a cancelled call names the objects still waiting.
 */
import { deadlineSignal, type DeadlineSignal } from '../../async/deadline-signal.js';
import { DeadlineExceededError } from '../../errors.js';
import type { VaultIdentity } from '../../vault/vault-identity.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import type { RequestPlan } from '../plan.js';
import type { MountSpec } from '../spec/mount-spec.js';
import type { SecretSource, StagedSecret } from './secret-source.js';

export interface FetchOptions {
  readonly concurrency: number;
  /** What is left of the Mount's time; <= 0 fails at once. */
  readonly budgetMs: number;
  /** Kept back from the caller's deadline (named in the deadline message). */
  readonly deadlineMarginMs: number;
  /** Aborted when the driver cancels the call. */
  readonly cancelled: AbortSignal;
  /** Collects the credentials issued for this Mount, also when it fails half-way. */
  readonly staged: StagedSecret[];
}

export interface Fetched {
  /** `VaultRequest.key` → the answer. */
  readonly secrets: ReadonlyMap<string, VaultSecret>;
  /** Request keys served from credentials already held. */
  readonly fromCache: ReadonlySet<string>;
}

export async function fetchSecrets(
  source: SecretSource,
  identity: VaultIdentity,
  spec: MountSpec,
  plan: RequestPlan,
  options: FetchOptions,
): Promise<Fetched> {
  const subjects = subjectsByRequest(spec, plan);
  const shares = renewalPercentByRequest(spec, plan);
  const intervals = refreshIntervalByRequest(spec, plan);
  const pending = new Set(plan.requests.map((request) => request.key));
  const describePending = () => [...pending].map((key) => subjects.get(key) ?? 'object').join(', ');
  const seconds = (ms: number) => `${(Math.max(ms, 0) / 1000).toFixed(1)}s`;
  const deadlineError = () =>
    new DeadlineExceededError(
      `${describePending()}: Vault did not answer within this Mount's budget of ${seconds(options.budgetMs)} (the caller's deadline less a ${seconds(options.deadlineMarginMs)} margin); check Vault's latency and health`,
    );
  if (options.budgetMs <= 0) {
    // Nothing was asked of Vault: the caller's deadline had passed (or nearly) when the call came.
    throw new DeadlineExceededError(
      `${describePending()}: the caller's deadline left no time for this Mount (${seconds(options.budgetMs + options.deadlineMarginMs)} left when it arrived); Vault was not contacted`,
    );
  }

  const deadline = deadlineSignal(options.budgetMs, options.cancelled, {
    expired: deadlineError,
    cancelled: () => new DeadlineExceededError(`${describePending()}: the driver cancelled the Mount`),
  });
  const secrets = new Map<string, VaultSecret>();
  const fromCache = new Set<string>();
  try {
    // Cancelled before this stage began: nothing is asked of Vault.
    if (deadline.signal.aborted) throw deadline.signal.reason as Error;
    await runBounded(plan.requests, options.concurrency, deadline, async (request) => {
      const subject = subjects.get(request.key) ?? 'object';
      const read = await source.read(
        identity,
        request,
        subject,
        deadline.signal,
        shares.get(request.key),
        intervals.get(request.key),
      );
      if (read.staged !== undefined) options.staged.push(read.staged);
      if (read.source === 'cache') fromCache.add(request.key);
      secrets.set(request.key, read.secret);
      pending.delete(request.key);
    });
  } finally {
    deadline.dispose();
  }
  return { secrets, fromCache };
}

/**
 * The shortest refresh interval of the objects sharing each request (the object's own, else the
 * SPC's): an object that wants Vault read on every republish gets that for the request it shares.
 */
function refreshIntervalByRequest(spec: MountSpec, plan: RequestPlan): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const object of spec.objects) {
    const ms = object.refreshIntervalMs ?? spec.refreshIntervalMs ?? 0;
    const key = plan.requestKeyByObject.get(object.objectName);
    for (const each of key === undefined ? (plan.templateKeysByObject.get(object.objectName) ?? []) : [key]) {
      intervals.set(each, Math.min(intervals.get(each) ?? ms, ms));
    }
  }
  return intervals;
}

/** The smallest `renewalPercent` of the objects sharing each request (renew for the most eager). */
function renewalPercentByRequest(spec: MountSpec, plan: RequestPlan): Map<string, number> {
  const shares = new Map<string, number>();
  for (const object of spec.objects) {
    const key = plan.requestKeyByObject.get(object.objectName);
    if (key === undefined || object.renewalPercent === undefined) continue;
    shares.set(key, Math.min(shares.get(key) ?? 100, object.renewalPercent));
  }
  return shares;
}

/** Request key → the objects it serves, as errors name them (`object "a"`, `objects "a", "b"`). */
function subjectsByRequest(spec: MountSpec, plan: RequestPlan): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const object of spec.objects) {
    const key = plan.requestKeyByObject.get(object.objectName);
    // A template object is named in the errors of every request it reads.
    for (const each of key === undefined ? (plan.templateKeysByObject.get(object.objectName) ?? []) : [key]) {
      names.set(each, [...(names.get(each) ?? []), object.objectName]);
    }
  }
  const subjects = new Map<string, string>();
  for (const [key, objectNames] of names) {
    const quoted = objectNames.map((name) => `"${name}"`).join(', ');
    subjects.set(key, objectNames.length === 1 ? `object ${quoted}` : `objects ${quoted}`);
  }
  return subjects;
}

/**
 * Runs `work` over `items` with at most `limit` in flight. The first failure aborts the rest
 * (their answers could not be used: the Mount fails as a whole) and is the one reported.
 */
async function runBounded<T>(
  items: readonly T[],
  limit: number,
  deadline: DeadlineSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        // When a deadline or cancellation aborted the work, its reason is the meaningful error.
        failures.push(deadline.signal.aborted ? (deadline.signal.reason as unknown) : error);
        if (failures[0] instanceof Error) deadline.abort(failures[0]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error('Mount failed');
}
