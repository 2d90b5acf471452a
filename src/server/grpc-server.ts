/**
 * The driver-facing gRPC server on a Unix socket (per process). The socket is created with
 * owner-only permissions (only the driver, running as root, may call us), a stale socket from
 * a previous run is removed first, and any `:authority` is accepted (old drivers send the socket
 * path, new ones `localhost`).
 */
import { chmod, rm, stat } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { CSIDriverProviderHandlers } from '../generated/v1alpha1/CSIDriverProvider.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { MountService } from '../mount/mount-service.js';
import { loadProviderProto } from '../provider-proto.js';
import { API_VERSION, RUNTIME_NAME, RUNTIME_VERSION } from '../version.js';
import { createMountHandler } from './mount-handler.js';

export interface ProviderServerOptions {
  readonly socketPath: string;
  readonly mountService: MountService;
  readonly logger: Logger;
  readonly metrics: ProviderMetrics;
  readonly shutdownGracePeriodMs: number;
  /** Largest Mount response; grpc-js refuses to send more, we refuse earlier with a clear error. */
  readonly maxResponseBytes: number;
}

export class ProviderServer {
  private server: grpc.Server | undefined;
  private servingNow = false;

  constructor(private readonly options: ProviderServerOptions) {}

  /** True while the socket accepts Mount calls: the readiness signal. */
  get serving(): boolean {
    return this.servingNow;
  }

  async start(): Promise<void> {
    const { socketPath, logger } = this.options;
    await removeStaleSocket(socketPath, logger);
    const proto = loadProviderProto();
    const server = new grpc.Server({
      // Requests carry the SPC and tokens; a few MiB is plenty and bounds memory per call.
      'grpc.max_receive_message_length': 8 * 1024 * 1024,
      'grpc.max_send_message_length': this.options.maxResponseBytes + 64 * 1024,
    });
    const handlers: CSIDriverProviderHandlers = {
      Version: (_call, callback) => {
        callback(null, { version: API_VERSION, runtimeName: RUNTIME_NAME, runtimeVersion: RUNTIME_VERSION });
      },
      Mount: createMountHandler(this.options.mountService, this.options.logger, this.options.metrics),
    };
    server.addService(proto.v1alpha1.CSIDriverProvider.service, handlers);
    // The socket file is created with the process umask; narrow it so no window exists in
    // which another local user could connect, then chmod explicitly as well.
    const previousUmask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    } finally {
      process.umask(previousUmask);
    }
    await chmod(socketPath, 0o600);
    this.server = server;
    this.servingNow = true;
    logger.info({ socket: socketPath, version: RUNTIME_VERSION }, 'serving the CSI driver');
  }

  /** Stops accepting calls, lets in-flight Mounts finish within the grace period, removes the socket. */
  async stop(): Promise<void> {
    const server = this.server;
    this.servingNow = false;
    if (server === undefined) return;
    this.server = undefined;
    const graceful = new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownGracePeriodMs);
    });
    if ((await Promise.race([graceful, deadline])) === 'timeout') {
      this.options.logger.warn(
        { gracePeriodMs: this.options.shutdownGracePeriodMs },
        'grace period over; cancelling in-flight Mounts',
      );
      server.forceShutdown();
    }
    clearTimeout(timer);
    await rm(this.options.socketPath, { force: true });
    this.options.logger.info({ socket: this.options.socketPath }, 'stopped serving');
  }
}

async function removeStaleSocket(socketPath: string, logger: Logger): Promise<void> {
  const existing = await stat(socketPath).catch(() => undefined);
  if (existing === undefined) return;
  if (!existing.isSocket()) {
    throw new Error(`refusing to replace ${socketPath}: it exists and is not a socket`);
  }
  logger.info({ socket: socketPath }, 'removing a stale socket from a previous run');
  await rm(socketPath, { force: true });
}
