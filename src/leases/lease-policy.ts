/**
 * Which Vault responses the lease cache keeps, and when it acts on them (pure functions).
 * A response is cacheable when it carries a lease (`lease_id` and `lease_duration` > 0) or a
 * PKI-style `data.expiration` (epoch seconds): both are credentials minted per read, where a
 * new read means a new credential. Static reads (KV) are never cached here.
 */
import type { VaultSecret } from '../vault/vault-request.js';

export type CachedKind = 'lease' | 'certificate';

export interface Lifetime {
  readonly kind: CachedKind;
  /** Present for leases; certificates without `generate_lease` have none. */
  readonly leaseId?: string;
  readonly renewable: boolean;
  /** The TTL Vault granted at issue, in seconds (the renewal increment asked for later). */
  readonly ttlSeconds: number;
  /** When the credential stops working (lease expiry, or the certificate's notAfter). */
  readonly expiresAtMs: number;
}

/** The lifetime of a response worth caching, or undefined for anything else. */
export function lifetimeOf(secret: VaultSecret, nowMs: number): Lifetime | undefined {
  const expiration = secret.data?.expiration;
  if (typeof expiration === 'number' && Number.isFinite(expiration) && expiration * 1000 > nowMs) {
    const leaseId = typeof secret.lease_id === 'string' && secret.lease_id !== '' ? secret.lease_id : undefined;
    return {
      kind: 'certificate',
      ...(leaseId === undefined ? {} : { leaseId }),
      // A certificate's notAfter cannot be extended: it is always re-issued.
      renewable: false,
      ttlSeconds: Math.round((expiration * 1000 - nowMs) / 1000),
      expiresAtMs: expiration * 1000,
    };
  }
  const leaseId = secret.lease_id;
  const duration = secret.lease_duration;
  if (typeof leaseId === 'string' && leaseId !== '' && typeof duration === 'number' && duration > 0) {
    return {
      kind: 'lease',
      leaseId,
      renewable: secret.renewable === true,
      ttlSeconds: duration,
      expiresAtMs: nowMs + duration * 1000,
    };
  }
  return undefined;
}

/**
 * The moment `share` of the span from `fromMs` to `untilMs` has passed, pulled earlier by up to
 * `jitter` of that span so a node's leases (issued together at boot) do not renew in one burst.
 */
export function actionTime(
  fromMs: number,
  untilMs: number,
  share: number,
  jitter: number,
  random: () => number,
): number {
  const span = Math.max(0, untilMs - fromMs);
  // Whole milliseconds: 2/3 of a span must not land a float's hair after the moment it names.
  return Math.round(fromMs + span * share - span * jitter * random());
}

/** Retry delay after `failures` consecutive failures: 1 s doubling to 60 s, never past `deadlineMs`. */
export function retryDelayMs(failures: number, nowMs: number, deadlineMs: number, baseMs = 1_000): number {
  const backoff = Math.min(60_000, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(0, Math.min(backoff, deadlineMs - nowMs));
}
