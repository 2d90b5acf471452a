/**
 * Wires the long-lived parts of one provider process (transport, token cache, lease cache, mount
 * service, gRPC and health servers) and stops them in reverse order. `main.ts` and the tests both
 * start the provider through here, so tests exercise exactly what runs in production.
 */
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { ProviderConfig } from './config/provider-config.js';
import { resolveHmacKey } from './config/hmac-key-source.js';
import { checkFlagFiles } from './config/flag-files.js';
import { MIN_HMAC_KEY_BYTES } from './config/hmac-key.js';
import { loadHmacKeyAtStart } from './kube/hmac-key-secret.js';
import { runsInCluster, type KubeClient } from './kube/in-cluster.js';
import { KubeClientHolder } from './kube/kube-client-holder.js';
import {
  POD_WATCH_FEATURE,
  TOKEN_REQUEST_FALLBACK_FEATURE,
  requireFeaturePermissions,
} from './kube/feature-permissions.js';
import { LeaseLifecycle } from './leases/lease-lifecycle.js';
import { ResponseCache } from './leases/response-cache.js';
import { tokenRequestFallback } from './kube/token-request-fallback.js';
import { MountService } from './mount/mount-service.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type ProviderMetrics } from './observability/metrics.js';
import { HealthServer } from './server/health-server.js';
import { ProviderServer } from './server/grpc-server.js';
import { RUNTIME_VERSION } from './version.js';
import { createLogin } from './vault/login.js';
import { SecretReader } from './vault/secret-reader.js';
import { TokenCache } from './vault/token-cache.js';
import { VaultTransport } from './vault/transport.js';
import { VaultHttp } from './vault/vault-http.js';
import { createResilience } from './vault/resilience.js';
import { FirstMountTracker } from './mount/first-mount-tracker.js';
import { CloserStack } from './async/closer-stack.js';
import { ObjectRenderer } from './mount/render/object-renderer.js';
import { SANDBOX_WORKER_ENTRY } from './mount/sandbox-worker-entry.js';
import { sampleEventLoopDelay } from './observability/event-loop-delay.js';
import { loggableError } from './observability/safe-error.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';

export interface ProviderHandle {
  readonly socketPath: string;
  /** The bound health/metrics listener, absent when `healthAddr` is empty. */
  readonly healthAddress?: AddressInfo;
  readonly metrics: ProviderMetrics;
  readonly logger: Logger;
  readonly tokenCache: TokenCache;
  /** The lease cache and its background work (docs/leases.md). */
  readonly leases: LeaseLifecycle;
  isServing(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (stdout by default); tests capture them to prove nothing leaks. */
  readonly logDestination?: DestinationStream;
  /** The clock of Vault token and lease lifetimes (tests share one with the dev Vault). */
  readonly now?: () => number;
  /** Skip process-wide default metrics (tests start several providers in one process). */
  readonly collectDefaultMetrics?: boolean;
  /**
   * The Kubernetes API client (HMAC key Secret, TokenRequest fallback); the in-cluster one is
   * opened on first use when absent. Passing one also means "running in a cluster" for
   * `-hmac-key-source=auto`. The caller closes it.
   */
  readonly kubeClient?: KubeClient;
  /** Lease cache timing for tests: a fixed jitter source, and `tickMs: null` to drive `runDue` by hand. */
  readonly leases?: { readonly random?: () => number; readonly tickMs?: number | null };
}

/**
 * Starts the provider: each part that starts pushes how it stops on one CloserStack, so a failure
 * at any step closes what already started (timers, agents, the kube client, listeners, the socket)
 * and `stop` closes everything in reverse order.
 */
export async function startProvider(config: ProviderConfig, options: StartOptions = {}): Promise<ProviderHandle> {
  const closers = new CloserStack();
  try {
    return await start(config, options, closers);
  } catch (error) {
    // The start failure is the one to report; a part that also fails to close must not hide it.
    await closers.closeAll().catch(() => undefined);
    throw error;
  }
}

async function start(config: ProviderConfig, options: StartOptions, closers: CloserStack): Promise<ProviderHandle> {
  const logger = createLogger(config.logLevel, options.logDestination);
  await checkFlagFiles(config, logger);
  const metrics = createMetrics({ collectDefaults: options.collectDefaultMetrics ?? true });
  metrics.buildInfo.set({ version: RUNTIME_VERSION, node_version: process.version }, 1);
  const now = options.now ?? Date.now;
  if (config.security.allowedVaultAddresses === undefined) {
    // Once per process: off by default only for compatibility with the Go provider (docs/security.md, T1).
    logger.warn(
      { flag: '-allowed-vault-addresses' },
      "no Vault address allowlist: a SecretProviderClass or a pod's volumeAttributes may name any vaultAddress, and the provider sends that pod's service-account token there; set -allowed-vault-addresses (Helm: vault.address or security.allowedVaultAddresses)",
    );
  }

  const kube = new KubeClientHolder(options.kubeClient);
  closers.push('the Kubernetes client', () => kube.close());
  const hmacKey = await resolveHmacKey(config, {
    logger,
    inCluster: kube.provided || runsInCluster(),
    loadFromSecret: () =>
      loadHmacKeyAtStart(kube, { secretName: config.hmacSecretName, logger, minKeyBytes: MIN_HMAC_KEY_BYTES }),
  });
  await requireFeaturePermissions(
    kube,
    [
      ...(config.tokenRequestFallback ? [TOKEN_REQUEST_FALLBACK_FEATURE] : []),
      ...(config.leases.revokeDeletedPods ? [POD_WATCH_FEATURE] : []),
    ],
    logger,
  );

  const transport = new VaultTransport({
    onInsecureAgent: (address) =>
      logger.warn(
        { vaultAddress: address },
        'TLS verification of Vault is OFF for this address (vaultSkipTLSVerify / -vault-tls-skip-verify); pod tokens are exposed to anyone who can intercept the connection',
      ),
  });
  closers.push('the Vault transport', () => transport.close());
  const http = new VaultHttp(transport, {
    maxResponseBytes: config.maxResponseBytes,
    requestTimeoutMs: config.vaultRequestTimeoutMs,
    metrics,
    logger,
    ...createResilience(config.resilience, metrics),
  });
  const tokenCache = new TokenCache(createLogin(http, { now, metrics }), {
    maxEntries: config.tokenCacheSize,
    now,
    metrics,
  });
  closers.push('the Vault token cache', () => tokenCache.clear());
  const reader = new SecretReader(http, tokenCache, metrics);
  // Answers of objects with a refreshInterval, above the lease cache (created next, which tells
  // it of pods seen gone).
  const responses = new ResponseCache({
    ...config.responseCache,
    next: { read: (...read) => leases.cache.read(...read) },
    tokens: tokenCache,
    metrics,
    now,
  });
  closers.push('the refresh-interval cache', () => responses.clear());
  const leases = await LeaseLifecycle.start({
    settings: config.leases,
    http,
    reader,
    tokens: tokenCache,
    kube,
    logger,
    metrics,
    now,
    requestTimeoutMs: config.vaultRequestTimeoutMs,
    ...(options.leases?.random === undefined ? {} : { random: options.leases.random }),
    ...(options.leases?.tickMs === undefined ? {} : { tickMs: options.leases.tickMs }),
    onPodGone: (uid) => responses.dropPod(uid),
  });
  closers.push('the lease cache', () => leases.stop());

  // Workers start on the first Mount that needs one: a node without templates pays nothing.
  const sandbox = new SandboxPool({
    entry: SANDBOX_WORKER_ENTRY,
    workers: config.sandbox.workers,
    memoryLimitMb: config.sandbox.memoryLimitMb,
    onTaskEnd: (outcome, durationMs) => {
      metrics.sandboxTasks.inc({ outcome });
      metrics.sandboxTaskDuration.observe(durationMs / 1000);
    },
    onWorkerError: (error) => logger.error(loggableError(error), 'a sandbox worker failed'),
  });
  closers.push('the sandbox workers', () => sandbox.close());
  closers.push('the event-loop delay sampler', sampleEventLoopDelay(metrics.eventLoopDelay));
  const mountService = new MountService({
    connectionDefaults: config.connection,
    maxResponseBytes: config.maxResponseBytes,
    mountConcurrency: config.mountConcurrency,
    mountTimeoutMs: config.mountTimeoutMs,
    deadlineMarginMs: config.deadlineMarginMs,
    hmacKey,
    ...(config.tokenRequestFallback
      ? { tokenMinter: tokenRequestFallback(kube, { audiences: config.tokenRequestAudiences }) }
      : {}),
    security: config.security,
    secrets: responses,
    renderer: new ObjectRenderer({
      pool: sandbox,
      timeLimitMs: config.sandbox.timeLimitMs,
      memoryLimitMb: config.sandbox.memoryLimitMb,
      maxBytes: config.maxResponseBytes,
      logger,
    }),
    sandboxedParse: {
      pool: sandbox,
      timeLimitMs: config.sandbox.timeLimitMs,
      memoryLimitMb: config.sandbox.memoryLimitMb,
      logger,
    },
    ...(leases.revoker === undefined ? {} : { onPodSeen: (uid: string) => leases.revoker?.podSeen(uid) }),
    firstMounts: new FirstMountTracker(),
    logger,
    metrics,
    // The Mount budget is measured against the caller's gRPC deadline, which is wall-clock time
    // whatever clock (`options.now`) token and lease lifetimes are measured with.
    now: Date.now,
  });
  const grpcServer = new ProviderServer({
    socketPath: config.endpoint,
    mountService,
    logger,
    metrics,
    shutdownGracePeriodMs: config.shutdownGracePeriodMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  let healthAddress: AddressInfo | undefined;
  if (config.healthAddr !== '') {
    const healthServer = new HealthServer({
      address: config.healthAddr,
      isReady: () => grpcServer.serving,
      registry: metrics.registry,
    });
    healthAddress = await healthServer.start();
    closers.push('the health server', () => healthServer.stop());
  }
  // Pushed before it starts: a bind that fails half-way still leaves nothing behind.
  closers.push('the gRPC server', () => grpcServer.stop());
  await grpcServer.start();

  return {
    socketPath: config.endpoint,
    ...(healthAddress === undefined ? {} : { healthAddress }),
    metrics,
    logger,
    tokenCache,
    leases,
    isServing: () => grpcServer.serving,
    stop: () => closers.closeAll(),
  };
}
