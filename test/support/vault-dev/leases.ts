/**
 * The lease table for dynamic secrets. Each lease records the token that created it: the lease
 * is alive only while that token is (vault-api.md §7.8), and never past its own expiry or max
 * TTL on the injected clock. Liveness is computed on demand, so no timers run in tests.
 */
import { rfc3339Nano } from './durations.js';
import { errorResponse } from './errors.js';
import { calculateRenewal } from './tokens.js';

export interface Lease {
  readonly id: string;
  readonly namespace: string;
  readonly tokenId: string;
  readonly issueMs: number;
  expireMs: number;
  readonly maxExpireMs: number;
  readonly defaultTtlSeconds: number;
  readonly renewable: boolean;
  lastRenewalMs: number | null;
  revoked: boolean;
  /** The mount type that issued it (`mount_type` of a renew reply is that of sys). */
  readonly engine: string;
  /** Engine-specific subject (database username, certificate serial). */
  readonly subject: string;
}

export interface IssueLease {
  readonly id: string;
  readonly namespace: string;
  readonly tokenId: string;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly renewable: boolean;
  readonly engine: string;
  readonly subject: string;
}

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();
  issued = 0;

  constructor(
    private readonly now: () => number,
    private readonly tokenAlive: (tokenId: string) => boolean,
  ) {}

  issue(options: IssueLease): Lease {
    const nowMs = this.now();
    const lease: Lease = {
      id: options.id,
      namespace: options.namespace,
      tokenId: options.tokenId,
      issueMs: nowMs,
      expireMs: nowMs + Math.min(options.ttlSeconds, options.maxTtlSeconds) * 1000,
      maxExpireMs: nowMs + options.maxTtlSeconds * 1000,
      defaultTtlSeconds: options.ttlSeconds,
      renewable: options.renewable,
      lastRenewalMs: null,
      revoked: false,
      engine: options.engine,
      subject: options.subject,
    };
    this.leases.set(lease.id, lease);
    this.issued += 1;
    return lease;
  }

  isAlive(lease: Lease): boolean {
    return !lease.revoked && this.now() < lease.expireMs && this.tokenAlive(lease.tokenId);
  }

  /** A live lease in this namespace, or undefined. */
  find(id: string, namespace: string): Lease | undefined {
    const lease = this.leases.get(id);
    if (lease?.namespace !== namespace || !this.isAlive(lease)) return undefined;
    return lease;
  }

  findBySubject(subject: string): Lease | undefined {
    for (const lease of this.leases.values()) if (lease.subject === subject) return lease;
    return undefined;
  }

  renew(
    id: string,
    namespace: string,
    incrementSeconds: number | undefined,
  ): { lease: Lease; warnings: string[]; ttlSeconds: number } {
    const lease = this.find(id, namespace);
    if (lease === undefined) throw errorResponse('lease not found');
    if (!lease.renewable) throw errorResponse('lease is not renewable');
    const result = calculateRenewal(this.now(), lease.maxExpireMs, incrementSeconds, lease.defaultTtlSeconds);
    lease.expireMs = this.now() + result.ttlSeconds * 1000;
    lease.lastRenewalMs = this.now();
    return { lease, warnings: result.warnings, ttlSeconds: result.ttlSeconds };
  }

  revoke(id: string, namespace: string): void {
    const lease = this.leases.get(id);
    if (lease?.namespace === namespace) lease.revoked = true;
  }

  revokeByToken(tokenId: string): void {
    for (const lease of this.leases.values()) if (lease.tokenId === tokenId) lease.revoked = true;
  }

  /** `sys/leases/lookup` data. */
  lookupData(lease: Lease): Record<string, unknown> {
    return {
      expire_time: rfc3339Nano(lease.expireMs),
      id: lease.id,
      issue_time: rfc3339Nano(lease.issueMs),
      last_renewal: lease.lastRenewalMs === null ? null : rfc3339Nano(lease.lastRenewalMs),
      // The request path that created it: the id without its random last segment.
      path: lease.id.replace(/\/[^/]*$/, ''),
      renewable: lease.renewable,
      ttl: Math.max(0, Math.floor((lease.expireMs - this.now()) / 1000)),
    };
  }
}
