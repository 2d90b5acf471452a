/**
 * Wires the lease cache's parts for one provider process: the cache, the background timer, the
 * pod watch and revoker (`-revoke-leases-of-deleted-pods`), and the encrypted state file
 * (`-state-dir`, `-state-key-file`). `provider.ts` only starts and stops this.
 */
import type { KubeClientHolder } from '../kube/kube-client-holder.js';
import { PodWatcher } from '../kube/pod-watcher.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { SecretReader } from '../vault/secret-reader.js';
import type { TokenCache } from '../vault/token-cache.js';
import type { VaultHttp } from '../vault/vault-http.js';
import { effectiveExpiry, type CacheEntry } from './cache-entry.js';
import { LeasedSecretCache } from './leased-secret-cache.js';
import type { LeaseSettings } from './lease-settings.js';
import { LeaseStateStore, readStateKey } from './lease-state-store.js';
import { PodLeaseRevoker } from './pod-lease-revoker.js';
import { VaultLeaseClient } from './vault-lease-client.js';
import { safeReason } from '../observability/safe-error.js';

export interface LeaseLifecycleOptions {
  readonly settings: LeaseSettings;
  readonly http: VaultHttp;
  readonly reader: SecretReader;
  readonly tokens: TokenCache;
  readonly kube: KubeClientHolder;
  readonly logger: Logger;
  readonly metrics: ProviderMetrics;
  readonly now: () => number;
  readonly requestTimeoutMs: number;
  /** Random source for jitter (tests pass a constant). */
  readonly random?: () => number;
  /** Period of the background pass; `null`: no timer, the caller drives `runDue` (tests). */
  readonly tickMs?: number | null;
  /** Told at once of every pod the watch sees gone (the refresh-interval cache drops its answers). */
  readonly onPodGone?: (uid: string) => void;
}

export class LeaseLifecycle {
  readonly cache: LeasedSecretCache;
  readonly revoker: PodLeaseRevoker | undefined;
  private readonly store: LeaseStateStore | undefined;
  private watcher: PodWatcher | undefined;
  private watching: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(
    private readonly options: LeaseLifecycleOptions,
    key: Buffer | undefined,
  ) {
    const { settings, logger, metrics, now } = options;
    const client = new VaultLeaseClient(options.http, options.requestTimeoutMs);
    this.cache = new LeasedSecretCache({
      maxEntries: settings.cacheSize,
      maxBytes: settings.cacheMaxBytes,
      leaseShare: settings.renewalPercent / 100,
      certificateShare: settings.certificateRenewalPercent / 100,
      jitter: 0.1,
      reader: options.reader,
      tokens: options.tokens,
      client,
      logger,
      metrics,
      now,
      ...(options.random === undefined ? {} : { random: options.random }),
      backgroundTimeoutMs: options.requestTimeoutMs * 2,
      onChange: () => this.store?.changed(),
    });
    this.revoker = settings.revokeDeletedPods
      ? new PodLeaseRevoker({
          cache: this.cache,
          client,
          gracePeriodMs: settings.revocationGracePeriodMs,
          logger,
          metrics,
          now,
        })
      : undefined;
    this.store =
      settings.stateDir === undefined || key === undefined
        ? undefined
        : new LeaseStateStore({ dir: settings.stateDir, key, logger, now, snapshot: () => this.cache.snapshot() });
  }

  static async start(options: LeaseLifecycleOptions): Promise<LeaseLifecycle> {
    const { settings, logger } = options;
    let key: Buffer | undefined;
    if (settings.stateDir !== undefined && settings.cacheSize > 0) {
      if (settings.stateKeyFile === undefined) {
        logger.warn(
          { stateDir: settings.stateDir },
          '-state-dir without -state-key-file: the lease cache is not persisted',
        );
      } else {
        try {
          key = await readStateKey(settings.stateKeyFile);
        } catch (error) {
          logger.warn(
            { reason: safeReason(error) },
            'the lease state key could not be read: the lease cache is not persisted',
          );
        }
      }
    }
    const lifecycle = new LeaseLifecycle(options, key);
    await lifecycle.restore();
    lifecycle.startWatch();
    const tickMs = options.tickMs === undefined ? 1_000 : options.tickMs;
    if (tickMs !== null) {
      lifecycle.timer = setInterval(() => void lifecycle.runDue(), tickMs);
      lifecycle.timer.unref();
    }
    return lifecycle;
  }

  /** One background pass: renewals and re-issues, then due revocations. Never throws. */
  async runDue(): Promise<void> {
    try {
      await this.cache.runDue();
      await this.revoker?.runDue();
    } catch (error) {
      this.options.logger.error(
        { errorType: error instanceof Error ? error.name : typeof error },
        'unexpected error in the lease cache background pass',
      );
    }
  }

  /** Saves the state file now (tests; `stop` does it too). */
  flush(): Promise<void> {
    return this.store?.flush() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.watcher?.stop();
    await this.watching;
    await this.flush();
  }

  private async restore(): Promise<void> {
    if (this.store === undefined) return;
    const now = this.options.now();
    const client = new VaultLeaseClient(this.options.http, this.options.requestTimeoutMs);
    const loaded = await this.store.load();
    const alive = await Promise.all(
      loaded.map(async (entry): Promise<CacheEntry | undefined> => {
        if (effectiveExpiry(entry) <= now) return undefined;
        const leaseId = entry.lifetime.leaseId;
        if (leaseId === undefined) return entry;
        // A lease revoked while we were down (operator, token death) must not be served.
        const outcome = await client.leaseAlive(entry.identity.connection, entry.token.token, leaseId);
        return outcome.kind === 'ok' && !outcome.value ? undefined : entry;
      }),
    );
    const kept = alive.filter((entry): entry is CacheEntry => entry !== undefined);
    this.cache.restore(kept);
    this.options.logger.info(
      { restored: kept.length, dropped: loaded.length - kept.length },
      'restored the lease cache from the state directory',
    );
  }

  private startWatch(): void {
    const { settings, logger, kube } = this.options;
    const revoker = this.revoker;
    if (revoker === undefined || settings.nodeName === undefined) return;
    const nodeName = settings.nodeName;
    this.watching = (async () => {
      try {
        const client = await kube.get();
        // Stopped while the client was opening: start no watch that nothing would stop.
        if (this.stopping) return;
        this.watcher = new PodWatcher(client, {
          nodeName,
          logger,
          onPodGone: (uid) => {
            revoker.podGone(uid);
            this.options.onPodGone?.(uid);
          },
          onPodPresent: (uid) => revoker.podSeen(uid),
          // Every list reconciles the pods we hold leases for, seen by the watch or not: restored
          // ones deleted while we were down, and ones created and deleted while the watch was.
          ownedPods: () => this.cache.podUids(),
        });
        this.watcher.start();
        await this.watcher.whenSynced();
      } catch (error) {
        if (this.stopping) return;
        logger.error(
          { reason: safeReason(error) },
          "cannot watch this node's pods: leases of deleted pods will not be revoked (they expire at their TTL)",
        );
      }
    })();
  }
}
