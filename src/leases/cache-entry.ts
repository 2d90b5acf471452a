/**
 * The records the lease cache keeps (per pod identity and request, for the credential's life),
 * in a plain shape so the state store can persist and restore them as they are.
 */
import type { VaultIdentity } from '../vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../vault/vault-request.js';
import type { Lifetime } from './lease-policy.js';

/**
 * The pod's Vault token that created one or more cached leases. Shared by every entry issued
 * under it, so one renew-self keeps them all alive. Never logged.
 */
export interface TokenRecord {
  readonly token: string;
  /** The TTL granted at login (seconds): the increment asked for on renew-self. */
  readonly ttlSeconds: number;
  renewedAtMs: number;
  /** Absent for a token that does not expire. */
  expiresAtMs?: number;
}

export interface CacheEntry {
  readonly key: string;
  /** Updated at every Mount so background re-issues log in with the newest service-account JWT. */
  identity: VaultIdentity;
  readonly request: VaultRequest;
  /** Names the object(s) in logs and errors, e.g. `objects "db-user", "db-pass"`. */
  subject: string;
  /** The response served to the pod; replaced only by a re-issue. */
  secret: VaultSecret;
  lifetime: Lifetime;
  token: TokenRecord;
  /** When this credential was issued, or last renewed: the start of the current span. */
  spanStartMs: number;
  /** Share of the lifetime after which we renew or re-issue (per object `renewalPercent`). */
  share: number;
  /** When the lease is renewed, or the credential re-issued (jittered, fixed per span). */
  leaseActionAtMs: number;
  /** When the owning token is renewed; absent when the token outlives the credential. */
  tokenActionAtMs?: number;
  /** The earlier of the two, or a retry time after a failure. */
  nextActionAtMs: number;
  failures: number;
  /** Set when renewal can no longer extend the credential (max TTL, refused, token dying). */
  mustReplace: boolean;
  /** The last Mount that served this entry: entries no pod asks for any more are let expire. */
  lastServedMs: number;
}

/**
 * How long an entry is kept alive (renewed, re-issued) without any Mount asking for it: a pod
 * deleted while revocation is off, or a volume without rotation, must not have credentials
 * renewed or minted for it indefinitely. Twice the credential's TTL, at least an hour, covers
 * any usual rotation poll interval.
 */
export function idleLimitMs(entry: CacheEntry): number {
  return Math.max(2 * entry.lifetime.ttlSeconds * 1000, 3_600_000);
}

/** Never shared across identities: the identity key is part of every entry key. */
export function entryKey(identityKeyText: string, request: VaultRequest): string {
  return JSON.stringify([identityKeyText, request.key]);
}

/** When the credential stops working: its own expiry, or its token's death, whichever is first. */
export function effectiveExpiry(entry: CacheEntry): number {
  return Math.min(entry.lifetime.expiresAtMs, entry.token.expiresAtMs ?? Number.POSITIVE_INFINITY);
}

/** The pod, for log lines (never the identity's token or JWT). */
export function podOf(entry: CacheEntry): { namespace: string; name: string; uid: string } {
  const { namespace, name, uid } = entry.identity.pod;
  return { namespace, name, uid };
}
