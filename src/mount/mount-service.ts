/**
 * Serves one Mount end to end: parse → plan → authenticate and fetch (bounded, inside the
 * deadline budget) → render → files and versions. Returns the complete file set or throws one
 * ProviderError; never a partial set, because the driver deletes files missing from a response.
 * One instance per process; all per-mount state lives in the call.
 */
import { deadlineSignal } from '../async/deadline-signal.js';
import { DeadlineExceededError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import { ResponseByteBudget, runWithRequestContext } from '../vault/request-context.js';
import type { VaultIdentity } from '../vault/vault-identity.js';
import { fetchSecrets, type Fetched } from './fetch/fetch-secrets.js';
import type { SecretSource, StagedSecret } from './fetch/secret-source.js';
import type { FirstMountTracker } from './first-mount-tracker.js';
import { checkResponseSize, mountedFiles, type MountedFile, type ObjectVersionEntry } from './output/mounted-files.js';
import { misspeltParameters, parseAttributes, parseMountRequest } from './parse/attributes.js';
import { ObjectsCache } from './parse/objects-cache.js';
import { isLargeRequest, parseInSandbox, type SandboxedParse } from './parse-in-sandbox.js';
import type { ObjectRenderer } from './render/object-renderer.js';
import type { ServiceAccountTokenMinter } from './parse/service-account-token.js';
import { planRequests, type RequestPlan } from './plan.js';
import {
  checkRawRequest,
  DEFAULT_SECURITY_POLICY,
  guardFiles,
  type MountSecurityPolicy,
} from './policy/security-policy.js';
import type { ConnectionDefaults, MountSpec, SecretObjectSpec } from './spec/mount-spec.js';

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

export interface MountOutput {
  readonly files: readonly MountedFile[];
  readonly objectVersions: readonly ObjectVersionEntry[];
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
  /** Large requests are parsed in the sandbox (parse-in-sandbox.ts); absent: every one in place. */
  readonly sandboxedParse?: SandboxedParse;
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
  /** The same SPC text arrives on every republish: parsed once, planned once (both pure). */
  private readonly objectsCache = new ObjectsCache();
  private readonly plans = new WeakMap<readonly SecretObjectSpec[], RequestPlan>();

  constructor(private readonly options: MountServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Parses without fetching, so callers can log who asked even when the Mount fails later. */
  async parse(input: MountInput): Promise<MountSpec> {
    const request = {
      attributes: input.attributes,
      secrets: input.secrets,
      targetPath: input.targetPath,
      permission: input.permission,
    };
    const security = this.options.security ?? DEFAULT_SECURITY_POLICY;
    const options = { tokenFallback: this.options.tokenMinter !== undefined, security };
    const sandbox = this.options.sandboxedParse;
    let spec: MountSpec;
    if (sandbox !== undefined && isLargeRequest(request)) {
      // Sizes first, here: nothing past the limits is even handed to a worker.
      checkRawRequest(request.attributes, request.secrets, security);
      const { budgetMs } = mountBudget(
        input.deadlineMs - this.now(),
        this.options.deadlineMarginMs,
        this.options.mountTimeoutMs,
      );
      const task = { kind: 'parse', request, defaults: this.options.connectionDefaults, options } as const;
      spec = await parseInSandbox(task, sandbox, { deadlineMs: this.now() + budgetMs, cancelled: input.cancelled });
    } else {
      spec = parseMountRequest(request, this.options.connectionDefaults, {
        ...options,
        objectsCache: this.objectsCache,
      });
    }
    if (spec.ignoredParameters !== undefined) {
      // Names only: the values may be an attacker's address or a path on the node.
      this.options.logger.warn(
        { pod: spec.pod, ignoredParameters: spec.ignoredParameters },
        'protected parameters in the mount attributes were ignored (-volume-attribute-overrides=ignore)',
      );
    }
    return spec;
  }

  /**
   * Top-level keys that look like misspelt parameters (`vaultAdress (did you mean
   * vaultAddress?)`), for the audit line: their values are silently not used. Looked for only in
   * attributes within -max-attributes-bytes, since the suggester's work grows with what the pod sent.
   */
  misspeltParameters(attributes: string): string[] {
    try {
      checkRawRequest(attributes, '', this.options.security ?? DEFAULT_SECURITY_POLICY);
      return misspeltParameters(parseAttributes(attributes));
    } catch {
      return [];
    }
  }

  /** The stages of one Mount, in order; each is a function of its own folder. */
  async mount(input: MountInput, parsed?: MountSpec): Promise<MountOutput> {
    const spec = await this.confineTlsFiles(parsed ?? (await this.parse(input)));
    const { budgetMs, marginMs } = mountBudget(
      input.deadlineMs - this.now(),
      this.options.deadlineMarginMs,
      this.options.mountTimeoutMs,
    );
    // Wall clock, as the caller's deadline is; every stage of this Mount ends by it.
    const deadlineMs = this.now() + budgetMs;
    const plan = this.plan(spec.objects);
    const identity = await this.identity(spec, { budgetMs, marginMs, deadlineMs }, input.cancelled);
    // Credentials issued for this Mount are kept only if it succeeds (docs/leases.md).
    const staged: StagedSecret[] = [];
    try {
      const fetched = await this.fetch(input, spec, plan, identity, { marginMs, deadlineMs, staged });
      const rendered = await this.options.renderer.render(spec.objects, plan, fetched.secrets, {
        tenant: spec.pod.uid,
        deadlineMs,
        cancelled: input.cancelled,
      });
      const output = mountedFiles(spec, rendered, this.options.hmacKey);
      checkResponseSize(output, this.options.maxResponseBytes);
      for (const credential of staged) credential.commit();
      return { ...output, spec, sources: this.countSources(spec, plan, fetched) };
    } catch (error) {
      for (const credential of staged) credential.release();
      throw error;
    }
  }

  private plan(objects: readonly SecretObjectSpec[]): RequestPlan {
    let plan = this.plans.get(objects);
    if (plan === undefined) {
      plan = planRequests(objects);
      this.plans.set(objects, plan);
    }
    return plan;
  }

  /** TLS file paths from the mount are confined before any file is read (-allowed-tls-file-dirs). */
  private async confineTlsFiles(parsed: MountSpec): Promise<MountSpec> {
    const security = this.options.security ?? DEFAULT_SECURITY_POLICY;
    const connection = await guardFiles(parsed.connection, this.options.connectionDefaults, security);
    return connection === parsed.connection ? parsed : { ...parsed, connection };
  }

  /**
   * Who the Vault requests are made as: the pod, with its own token (minted if the driver sent
   * none). The TokenRequest ends by the Mount's budget like every other stage, with the same
   * DeadlineExceeded error, whatever the Kubernetes client makes of the abort.
   */
  private async identity(
    spec: MountSpec,
    { budgetMs, marginMs, deadlineMs }: { budgetMs: number; marginMs: number; deadlineMs: number },
    cancelled: AbortSignal,
  ): Promise<VaultIdentity> {
    const minter = this.options.tokenMinter;
    let jwt = spec.serviceAccountToken;
    if (jwt === '' && minter !== undefined) {
      const pending = `TokenRequest for service account "${spec.pod.namespace}/${spec.pod.serviceAccountName}"`;
      const deadline = deadlineSignal(deadlineMs - this.now(), cancelled, {
        expired: () =>
          new DeadlineExceededError(
            `${pending}: the Kubernetes API did not answer within this Mount's budget of ${seconds(budgetMs)} (the caller's deadline less a ${seconds(marginMs)} margin); check the API server's latency`,
          ),
        cancelled: () => new DeadlineExceededError(`${pending}: the driver cancelled the Mount`),
      });
      try {
        jwt = await minter.mint(spec.pod, spec.auth.audience, deadline.signal);
      } catch (error) {
        if (deadline.signal.aborted) throw deadline.signal.reason as Error;
        throw error;
      } finally {
        deadline.dispose();
      }
    }
    this.options.onPodSeen?.(spec.pod.uid);
    return { pod: spec.pod, connection: spec.connection, auth: spec.auth, jwt };
  }

  /** First mounts go ahead of republishes at Vault; retries stop by the budget's end (docs/resilience.md). */
  private async fetch(
    input: MountInput,
    spec: MountSpec,
    plan: RequestPlan,
    identity: VaultIdentity,
    budget: { marginMs: number; deadlineMs: number; staged: StagedSecret[] },
  ): Promise<Fetched> {
    const priority = this.options.firstMounts?.classify(spec.pod.uid, input.targetPath) ?? 'republish';
    const { marginMs, deadlineMs, staged } = budget;
    const options = {
      concurrency: this.options.mountConcurrency,
      // What the stages before (a TokenRequest) left of the budget.
      budgetMs: deadlineMs - this.now(),
      deadlineMarginMs: marginMs,
      cancelled: input.cancelled,
      staged,
    };
    try {
      // Answers may be a third larger than the files they become (JSON escaping, base64 values
      // the `encoding` field decodes), and no larger.
      const responseBytes = new ResponseByteBudget(Math.ceil((this.options.maxResponseBytes * 4) / 3) + 64 * 1024);
      return await runWithRequestContext({ priority, tenant: spec.pod.uid, deadlineMs, responseBytes }, () =>
        fetchSecrets(this.options.secrets, identity, spec, plan, options),
      );
    } catch (error) {
      if (priority === 'first-mount') this.options.firstMounts?.forget(spec.pod.uid, input.targetPath);
      throw error;
    }
  }

  /** objectName → where its bytes came from, for the audit line; counted in the metrics. */
  private countSources(spec: MountSpec, plan: RequestPlan, fetched: Fetched): Map<string, 'cache' | 'vault'> {
    const sources = new Map<string, 'cache' | 'vault'>();
    for (const object of spec.objects) {
      const key = plan.requestKeyByObject.get(object.objectName);
      sources.set(object.objectName, key !== undefined && fetched.fromCache.has(key) ? 'cache' : 'vault');
    }
    const cached = [...sources.values()].filter((source) => source === 'cache').length;
    if (cached > 0) this.options.metrics?.objectsServed.inc({ source: 'cache' }, cached);
    if (sources.size > cached) this.options.metrics?.objectsServed.inc({ source: 'vault' }, sources.size - cached);
    return sources;
  }
}

/**
 * The time one Mount may work: the caller's deadline less a margin, so our own error reaches
 * kubelet before its deadline does. The margin is `-deadline-margin` or a tenth of the time left,
 * whichever is smaller: a caller with a 4 s deadline gets 3.6 s of work, not none.
 */
export function mountBudget(
  remainingMs: number,
  marginFlagMs: number,
  mountTimeoutMs: number,
): { budgetMs: number; marginMs: number } {
  const marginMs = Math.max(0, Math.min(marginFlagMs, remainingMs / 10));
  return { budgetMs: Math.min(mountTimeoutMs, remainingMs - marginMs), marginMs };
}

function seconds(ms: number): string {
  return `${(Math.max(ms, 0) / 1000).toFixed(1)}s`;
}
