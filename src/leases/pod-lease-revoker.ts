/**
 * Revokes the leases of pods that are gone from this node (per process). The driver sends no
 * unmount, so the PodWatcher tells us (`onPodGone`); the leases are revoked only after a grace
 * period, measured on the injected clock, and only if the pod has not mounted again since
 * (a pod the watch has not seen yet is never treated as gone). A 403 is expected where the
 * pods' policies lack `sys/leases/revoke` (the default policy does): logged, counted, not fatal.
 */
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { LeasedSecretCache } from './leased-secret-cache.js';
import type { VaultLeaseClient } from './vault-lease-client.js';

export interface PodLeaseRevokerOptions {
  readonly cache: LeasedSecretCache;
  readonly client: VaultLeaseClient;
  readonly gracePeriodMs: number;
  readonly logger: Logger;
  readonly metrics?: ProviderMetrics;
  readonly now: () => number;
}

export class PodLeaseRevoker {
  /** Pod uid → when it was seen gone. */
  private readonly gone = new Map<string, number>();

  constructor(private readonly options: PodLeaseRevokerOptions) {}

  podGone(uid: string): void {
    if (!this.gone.has(uid)) this.gone.set(uid, this.options.now());
  }

  /** A Mount for this pod proves it is alive (e.g. a watch event that was wrong or late). */
  podSeen(uid: string): void {
    this.gone.delete(uid);
  }

  get pending(): number {
    return this.gone.size;
  }

  /** Revokes the leases of pods gone for longer than the grace period. */
  async runDue(): Promise<void> {
    const now = this.options.now();
    for (const [uid, goneAtMs] of [...this.gone]) {
      if (now < goneAtMs + this.options.gracePeriodMs) continue;
      this.gone.delete(uid);
      await this.revokePod(uid);
    }
  }

  private async revokePod(uid: string): Promise<void> {
    const { logger, metrics, client } = this.options;
    for (const entry of this.options.cache.takePod(uid)) {
      const leaseId = entry.lifetime.leaseId;
      if (leaseId === undefined) continue; // a certificate without a lease just expires
      const outcome = await client.revokeLease(entry.identity.connection, entry.token.token, leaseId);
      const { namespace, name } = entry.identity.pod;
      const pod = { namespace, name, uid };
      if (outcome.kind === 'ok') {
        metrics?.leaseRevocations.inc({ result: 'ok' });
        logger.info({ pod, objects: entry.subject }, 'revoked the lease of a deleted pod');
      } else if (outcome.kind === 'refused' && outcome.status === 403) {
        metrics?.leaseRevocations.inc({ result: 'denied' });
        logger.warn(
          { pod, objects: entry.subject },
          'Vault denied revoking the lease of a deleted pod; it expires at its TTL. Grant "update" on "sys/leases/revoke" in the role\'s policy (docs/leases.md)',
        );
      } else {
        metrics?.leaseRevocations.inc({ result: 'error' });
        logger.warn(
          { pod, objects: entry.subject, reason: outcome.reason },
          'could not revoke the lease of a deleted pod; it expires at its TTL',
        );
      }
    }
  }
}
