/**
 * Serves one Mount end to end: parse → plan → authenticate and fetch (bounded, inside the
 * deadline budget) → render → files and versions. Returns the complete file set or throws one
 * ProviderError; never a partial set, because the driver deletes files missing from a response.
 * One instance per process; all per-mount state lives in the call.
 */
import { DeadlineExceededError, ResponseTooLargeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { VaultIdentity } from '../vault/vault-identity.js';
import { runWithRequestContext } from '../vault/request-context.js';
import type { FirstMountTracker } from './first-mount-tracker.js';
import type { VaultRequest, VaultSecret } from '../vault/vault-request.js';
import type { SecretSource } from './secret-source.js';
import type { ServiceAccountTokenMinter } from './parse/service-account-token.js';
import { parseMountRequest } from './parse/attributes.js';
import type { ConnectionDefaults, MountSpec } from './spec/mount-spec.js';
import { objectVersion } from './output/object-version.js';
import { planRequests } from './plan.js';
import type { ObjectRenderer } from './render/object-renderer.js';
import { DEFAULT_SECURITY_POLICY, guardFiles, type MountSecurityPolicy } from './policy/security-policy.js';

export interface MountInput {
  readonly attributes: string;
  readonly secrets: string;
  readonly targetPath: string;
  readonly permission: string;
  /** Epoch ms by which the caller needs the answer; Infinity when the call has no deadline. */
  readonly deadlineMs: number;
  /** Aborted when the caller cancels the call. */
  readonly cancelled: AbortSignal;
}

export interface MountedFile {
  readonly path: string;
  readonly mode: number;
  readonly contents: Buffer;
}

export interface MountOutput {
  readonly files: readonly MountedFile[];
  readonly objectVersions: readonly { readonly id: string; readonly version: string }[];
  /** For the audit line: what was served, never values. */
  readonly spec: MountSpec;
  /** objectName → whether its bytes came from the lease cache or from Vault (audit line). */
  readonly sources?: ReadonlyMap<string, 'cache' | 'vault'>;
}

export interface MountServiceOptions {
  readonly connectionDefaults: ConnectionDefaults;
  readonly maxResponseBytes: number;
  readonly mountConcurrency: number;
  readonly mountTimeoutMs: number;
  readonly deadlineMarginMs: number;
  readonly hmacKey: Buffer;
  /** `-token-request-fallback`: mints the pod's token when the driver sent none. */
  readonly tokenMinter?: ServiceAccountTokenMinter;
  /** The operator's security controls (docs/security.md); absent: the permissive defaults. */
  readonly security?: MountSecurityPolicy;
  /** Where secrets come from: the lease cache, which reads Vault for what it does not hold (docs/leases.md). */
  readonly secrets: SecretSource;
  /** Files from responses; objects whose cost their SPC chooses render in the sandbox. */
  readonly renderer: ObjectRenderer;
  /** Told of every pod that mounts, so a pending revocation of a pod seen alive is cancelled. */
  readonly onPodSeen?: (uid: string) => void;
  /** Tells first mounts from republishes so waiting pods get Vault first (docs/resilience.md). */
  readonly firstMounts?: FirstMountTracker;
  readonly logger: Logger;
  readonly metrics?: ProviderMetrics;
  readonly now?: () => number;
}

export class MountService {
  private readonly now: () => number;

  constructor(private readonly options: MountServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Parses without fetching, so callers can log who asked even when the Mount fails later. */
  parse(input: MountInput): MountSpec {
    const spec = parseMountRequest(input, this.options.connectionDefaults, {
      tokenFallback: this.options.tokenMinter !== undefined,
      ...(this.options.security === undefined ? {} : { security: this.options.security }),
    });
    if (spec.ignoredParameters !== undefined) {
      // Names only: the values may be an attacker's address or a path on the node.
      this.options.logger.warn(
        { pod: spec.pod, ignoredParameters: spec.ignoredParameters },
        'protected parameters in the mount attributes were ignored (-volume-attribute-overrides=ignore)',
      );
    }
    return spec;
  }

  async mount(input: MountInput, parsed: MountSpec = this.parse(input)): Promise<MountOutput> {
    // TLS file paths from the mount are confined before any file is read (-allowed-tls-file-dirs).
    const security = this.options.security ?? DEFAULT_SECURITY_POLICY;
    const connection = await guardFiles(parsed.connection, this.options.connectionDefaults, security);
    const spec = connection === parsed.connection ? parsed : { ...parsed, connection };
    const budgetMs = Math.min(
      this.options.mountTimeoutMs,
      input.deadlineMs - this.now() - this.options.deadlineMarginMs,
    );
    // Wall clock, as the caller's deadline is; every stage of this Mount ends by it.
    const deadlineMs = Date.now() + budgetMs;
    const plan = planRequests(spec.objects);
    const subjects = subjectsByRequest(spec, plan.requestKeyByObject, plan.templateKeysByObject);
    const identity: VaultIdentity = {
      pod: spec.pod,
      connection: spec.connection,
      auth: spec.auth,
      jwt: await this.serviceAccountToken(spec, budgetMs, input.cancelled),
    };
    this.options.onPodSeen?.(spec.pod.uid);
    const fromCache = new Set<string>();
    const shares = renewalPercentByRequest(spec, plan.requestKeyByObject);
    // First mounts go ahead of republishes at Vault; retries stop by the budget's end (docs/resilience.md).
    const priority = this.options.firstMounts?.classify(spec.pod.uid, input.targetPath) ?? 'republish';
    const fetched = runWithRequestContext({ priority, tenant: spec.pod.uid, deadlineMs }, () =>
      this.fetchAll(identity, plan.requests, subjects, budgetMs, input.cancelled, { fromCache, shares }),
    );
    const secrets = await fetched.catch((error: unknown) => {
      if (priority === 'first-mount') this.options.firstMounts?.forget(spec.pod.uid, input.targetPath);
      throw error;
    });

    const rendered = await this.options.renderer.render(spec.objects, plan, secrets, {
      tenant: spec.pod.uid,
      deadlineMs,
      cancelled: input.cancelled,
    });
    const files: MountedFile[] = [];
    const objectVersions: { id: string; version: string }[] = [];
    for (const { object, contents } of rendered) {
      files.push({ path: object.objectName, mode: object.filePermission ?? spec.defaultFileMode, contents });
      objectVersions.push({ id: object.objectName, version: objectVersion(this.options.hmacKey, object, contents) });
    }
    this.checkSize(files, objectVersions);
    const sources = new Map<string, 'cache' | 'vault'>();
    for (const object of spec.objects) {
      const key = plan.requestKeyByObject.get(object.objectName);
      sources.set(object.objectName, key !== undefined && fromCache.has(key) ? 'cache' : 'vault');
    }
    const cached = [...sources.values()].filter((source) => source === 'cache').length;
    if (cached > 0) this.options.metrics?.objectsServed.inc({ source: 'cache' }, cached);
    if (files.length > cached) this.options.metrics?.objectsServed.inc({ source: 'vault' }, files.length - cached);
    return { files, objectVersions, spec, sources };
  }

  private async serviceAccountToken(spec: MountSpec, budgetMs: number, cancelled: AbortSignal): Promise<string> {
    const minter = this.options.tokenMinter;
    if (spec.serviceAccountToken !== '' || minter === undefined) return spec.serviceAccountToken;
    const signal = AbortSignal.any([cancelled, AbortSignal.timeout(Math.max(budgetMs, 1))]);
    return minter.mint(spec.pod, spec.auth.audience, signal);
  }

  private async fetchAll(
    identity: VaultIdentity,
    requests: readonly VaultRequest[],
    subjects: ReadonlyMap<string, string>,
    budgetMs: number,
    cancelled: AbortSignal,
    leases: { fromCache: Set<string>; shares: ReadonlyMap<string, number> },
  ): Promise<Map<string, VaultSecret>> {
    const pending = new Set(requests.map((request) => request.key));
    const describePending = () => [...pending].map((key) => subjects.get(key) ?? 'object').join(', ');
    const budgetSeconds = (Math.max(budgetMs, 0) / 1000).toFixed(1);
    const deadlineError = () =>
      new DeadlineExceededError(
        `${describePending()}: Vault did not answer within this Mount's budget of ${budgetSeconds}s (the caller's deadline less a ${this.options.deadlineMarginMs / 1000}s margin); check Vault's latency and health`,
      );
    if (budgetMs <= 0) throw deadlineError();

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(deadlineError()), budgetMs);
    const onCancel = () =>
      controller.abort(new DeadlineExceededError(`${describePending()}: the driver cancelled the Mount`));
    cancelled.addEventListener('abort', onCancel, { once: true });
    const results = new Map<string, VaultSecret>();
    try {
      await runBounded(requests, this.options.mountConcurrency, controller, async (request) => {
        const subject = subjects.get(request.key) ?? 'object';
        const share = leases.shares.get(request.key);
        const read = await this.options.secrets.read(identity, request, subject, controller.signal, share);
        if (read.source === 'cache') leases.fromCache.add(request.key);
        results.set(request.key, read.secret);
        pending.delete(request.key);
      });
    } finally {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    }
    return results;
  }

  private checkSize(files: readonly MountedFile[], versions: readonly { id: string; version: string }[]): void {
    // Protobuf overhead per entry is a few bytes; count it generously so we refuse before the driver would.
    const size =
      files.reduce((total, file) => total + file.contents.length + Buffer.byteLength(file.path) + 16, 0) +
      versions.reduce((total, version) => total + Buffer.byteLength(version.id) + version.version.length + 8, 0);
    if (size <= this.options.maxResponseBytes) return;
    const largest = [...files]
      .sort((a, b) => b.contents.length - a.contents.length)
      .slice(0, 3)
      .map((file) => `"${file.path}" ${file.contents.length} bytes`)
      .join(', ');
    throw new ResponseTooLargeError(
      `the mount's files total about ${size} bytes, over the limit of ${this.options.maxResponseBytes} bytes (-max-response-bytes, the driver's --max-call-recv-msg-size); largest: ${largest}`,
    );
  }
}

/** The smallest `renewalPercent` of the objects sharing each request (renew for the most eager). */
function renewalPercentByRequest(
  spec: MountSpec,
  requestKeyByObject: ReadonlyMap<string, string>,
): Map<string, number> {
  const shares = new Map<string, number>();
  for (const object of spec.objects) {
    const key = requestKeyByObject.get(object.objectName);
    if (key === undefined || object.renewalPercent === undefined) continue;
    shares.set(key, Math.min(shares.get(key) ?? 100, object.renewalPercent));
  }
  return shares;
}

function subjectsByRequest(
  spec: MountSpec,
  requestKeyByObject: ReadonlyMap<string, string>,
  templateKeysByObject: ReadonlyMap<string, readonly string[]>,
): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const object of spec.objects) {
    const key = requestKeyByObject.get(object.objectName);
    // A template object is named in the errors of every request it reads.
    for (const each of key === undefined ? (templateKeysByObject.get(object.objectName) ?? []) : [key]) {
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
  controller: AbortController,
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
        failures.push(controller.signal.aborted ? (controller.signal.reason as unknown) : error);
        if (!controller.signal.aborted) controller.abort(failures[0]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error('Mount failed');
}
