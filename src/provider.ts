/**
 * Wires the long-lived parts of one provider process (transport, token cache, mount service,
 * gRPC and health servers) and stops them in order. `main.ts` and the tests both start the
 * provider through here, so tests exercise exactly what runs in production.
 */
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { ProviderConfig } from './config/provider-config.js';
import { loadHmacKey } from './config/hmac-key.js';
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

export interface ProviderHandle {
  readonly socketPath: string;
  /** The bound health/metrics listener, absent when `healthAddr` is empty. */
  readonly healthAddress?: AddressInfo;
  readonly metrics: ProviderMetrics;
  readonly logger: Logger;
  readonly tokenCache: TokenCache;
  isServing(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (stdout by default); tests capture them to prove nothing leaks. */
  readonly logDestination?: DestinationStream;
  readonly now?: () => number;
  /** Skip process-wide default metrics (tests start several providers in one process). */
  readonly collectDefaultMetrics?: boolean;
}

export async function startProvider(config: ProviderConfig, options: StartOptions = {}): Promise<ProviderHandle> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const metrics = createMetrics({ collectDefaults: options.collectDefaultMetrics ?? true });
  metrics.buildInfo.set({ version: RUNTIME_VERSION, node_version: process.version }, 1);
  const hmacKey = await loadHmacKey(config.hmacKeyFile, logger);
  const now = options.now ?? Date.now;

  const transport = new VaultTransport({
    onInsecureAgent: (address) =>
      logger.warn(
        { vaultAddress: address },
        'TLS verification of Vault is OFF for this address (vaultSkipTLSVerify / -vault-tls-skip-verify); pod tokens are exposed to anyone who can intercept the connection',
      ),
  });
  const http = new VaultHttp(transport, {
    maxResponseBytes: config.maxResponseBytes,
    requestTimeoutMs: config.vaultRequestTimeoutMs,
    metrics,
  });
  const tokenCache = new TokenCache(createLogin(http, { now, metrics }), {
    maxEntries: config.tokenCacheSize,
    now,
    metrics,
  });
  const mountService = new MountService({
    connectionDefaults: config.connection,
    maxResponseBytes: config.maxResponseBytes,
    mountConcurrency: config.mountConcurrency,
    mountTimeoutMs: config.mountTimeoutMs,
    deadlineMarginMs: config.deadlineMarginMs,
    hmacKey,
    reader: new SecretReader(http, tokenCache),
    logger,
    metrics,
    now,
  });
  const grpcServer = new ProviderServer({
    socketPath: config.endpoint,
    mountService,
    logger,
    metrics,
    shutdownGracePeriodMs: config.shutdownGracePeriodMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  const healthServer =
    config.healthAddr === ''
      ? undefined
      : new HealthServer({ address: config.healthAddr, isReady: () => grpcServer.serving, registry: metrics.registry });
  const healthAddress = await healthServer?.start();
  try {
    await grpcServer.start();
  } catch (error) {
    await healthServer?.stop();
    await transport.close();
    throw error;
  }
  return {
    socketPath: config.endpoint,
    ...(healthAddress === undefined ? {} : { healthAddress }),
    metrics,
    logger,
    tokenCache,
    isServing: () => grpcServer.serving,
    stop: async () => {
      await grpcServer.stop();
      await healthServer?.stop();
      await transport.close();
      tokenCache.clear();
    },
  };
}
