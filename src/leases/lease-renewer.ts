/**
 * The background half of the lease cache (per process): for one due entry, keeps the owning
 * pod token alive (renew-self), renews the lease (`sys/leases/renew`), or issues a new credential
 * before the old one expires when it can no longer be extended. Failures are retried with
 * backoff while the cached credential keeps being served. Owns no state: entries live in the
 * LeasedSecretCache, which calls `attend` for each due entry.
 */
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { TokenCache } from '../vault/token-cache.js';
import type { VaultIdentity } from '../vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../vault/vault-request.js';
import { effectiveExpiry, idleLimitMs, podOf, type CacheEntry, type TokenRecord } from './cache-entry.js';
import { actionTime, retryDelayMs, type Lifetime } from './lease-policy.js';
import type { VaultLeaseClient } from './vault-lease-client.js';
import { safeReason } from '../observability/safe-error.js';

/** How often a restored entry without a pod token looks again whether a Mount brought one. */
const AWAIT_MOUNT_MS = 30_000;

/** A fresh read: a credential with its lifetime and owning token, or a response without a lifetime. */
export type Issued =
  | { readonly secret: VaultSecret; readonly lifetime?: undefined }
  | { readonly secret: VaultSecret; readonly lifetime: Lifetime; readonly token: TokenRecord };

export interface LeaseRenewerDeps {
  readonly client: VaultLeaseClient;
  readonly tokens: TokenCache;
  readonly issue: (
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
  ) => Promise<Issued>;
  /** Removes an entry that stopped being a credential. */
  readonly forget: (entry: CacheEntry) => void;
  /** Called after every change to an entry (persistence, gauges). */
  readonly changed: () => void;
  readonly jitter: number;
  readonly random: () => number;
  readonly backgroundTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics?: ProviderMetrics | undefined;
  readonly now: () => number;
}

export class LeaseRenewer {
  constructor(private readonly deps: LeaseRenewerDeps) {}

  /** Fixes the next moments this entry needs attention: lease renewal or re-issue, token renewal. */
  schedule(entry: CacheEntry): void {
    const { jitter } = this.deps;
    const replaceOnly = entry.mustReplace || !entry.lifetime.renewable;
    const until = replaceOnly ? effectiveExpiry(entry) : entry.lifetime.expiresAtMs;
    entry.leaseActionAtMs = actionTime(entry.spanStartMs, until, entry.share, jitter, this.deps.random);
    const token = entry.token;
    if (!replaceOnly && token.expiresAtMs !== undefined && token.expiresAtMs < entry.lifetime.expiresAtMs) {
      entry.tokenActionAtMs = actionTime(token.renewedAtMs, token.expiresAtMs, entry.share, jitter, this.deps.random);
    } else {
      delete entry.tokenActionAtMs;
    }
    entry.nextActionAtMs = Math.min(entry.leaseActionAtMs, entry.tokenActionAtMs ?? Number.POSITIVE_INFINITY);
  }

  async attend(entry: CacheEntry): Promise<void> {
    const now = this.deps.now();
    const { client, metrics, logger } = this.deps;
    if (now - entry.lastServedMs > idleLimitMs(entry)) {
      // No Mount asked for it in a long while: serve it until it expires, but extend nothing.
      logger.debug({ pod: podOf(entry), objects: entry.subject }, 'cached credential idle: left to expire');
      entry.nextActionAtMs = effectiveExpiry(entry);
      return;
    }
    const { connection } = entry.identity;
    const token = entry.token;
    // 1. The token first: if it dies, Vault revokes every lease it created.
    if (entry.tokenActionAtMs !== undefined && now >= entry.tokenActionAtMs && token.expiresAtMs !== undefined) {
      // Entries issued under one token share its record: a sibling may have renewed it this pass.
      if (now >= actionTime(token.renewedAtMs, token.expiresAtMs, entry.share, 0, this.deps.random)) {
        const outcome = await client.renewToken(connection, token.token, token.ttlSeconds);
        if (outcome.kind === 'unavailable') {
          this.failed(entry, 'renew-self', outcome.reason);
          return;
        }
        if (outcome.kind === 'refused') {
          entry.mustReplace = true;
          return this.replace(entry, 'token_expiring');
        }
        token.renewedAtMs = now;
        token.expiresAtMs = now + outcome.value * 1000;
        metrics?.tokenRenewals.inc();
        // Granted less than asked: the token's max TTL is near and it cannot cover the credential.
        // Re-issue under a new token while the old one lives, so our own token handling never
        // revokes a credential in use; the pod picks the new one up at its next republish.
        if (outcome.value < token.ttlSeconds && token.expiresAtMs < entry.lifetime.expiresAtMs) {
          entry.mustReplace = true;
        }
      }
    }
    const { lifetime } = entry;
    if (now < entry.leaseActionAtMs) {
      this.rescheduled(entry);
      return;
    }
    if (entry.mustReplace || !lifetime.renewable || lifetime.leaseId === undefined) {
      const reason = !entry.mustReplace
        ? lifetime.kind === 'certificate'
          ? 'certificate'
          : 'not_renewable'
        : (entry.token.expiresAtMs ?? Number.POSITIVE_INFINITY) < lifetime.expiresAtMs
          ? 'token_expiring'
          : 'max_ttl';
      return this.replace(entry, reason);
    }
    const outcome = await client.renewLease(connection, token.token, lifetime.leaseId, lifetime.ttlSeconds);
    if (outcome.kind === 'unavailable') {
      this.failed(entry, 'renew', outcome.reason);
      return;
    }
    if (outcome.kind === 'refused') {
      metrics?.leaseRenewals.inc({ result: 'refused' });
      logger.warn(
        { pod: podOf(entry), objects: entry.subject, reason: outcome.reason },
        'Vault refused to renew a lease; issuing a new credential before the old one expires',
      );
      entry.mustReplace = true;
      return this.replace(entry, 'renewal_refused');
    }
    metrics?.leaseRenewals.inc({ result: 'ok' });
    entry.failures = 0;
    entry.spanStartMs = now;
    entry.lifetime = { ...lifetime, expiresAtMs: now + outcome.value * 1000 };
    // Vault granted less than asked: the max TTL is near, so the next step is a new credential.
    if (outcome.value < lifetime.ttlSeconds) entry.mustReplace = true;
    logger.debug({ pod: podOf(entry), objects: entry.subject, ttlSeconds: outcome.value }, 'lease renewed');
    this.rescheduled(entry);
  }

  private async replace(entry: CacheEntry, reason: string): Promise<void> {
    if (entry.identity.jwt === '') {
      // Restored from the state file, which never holds a pod's service-account token: a new
      // credential needs a login, so it waits for the pod's next Mount, which brings a token (and
      // is served the cached credential meanwhile, while it is valid).
      entry.mustReplace = true;
      entry.nextActionAtMs = Math.min(this.deps.now() + AWAIT_MOUNT_MS, effectiveExpiry(entry));
      this.deps.logger.debug(
        { pod: podOf(entry), objects: entry.subject, reason },
        "a restored credential needs a new login: waiting for the pod's next Mount",
      );
      return;
    }
    const signal = AbortSignal.timeout(this.deps.backgroundTimeoutMs);
    try {
      if (entry.token.expiresAtMs !== undefined && entry.token.expiresAtMs < entry.lifetime.expiresAtMs) {
        // The old token is dying: make the token cache log in anew instead of handing it out again.
        const current = await this.deps.tokens.acquire(entry.identity, signal);
        if (current.token.token === entry.token.token) this.deps.tokens.invalidate(entry.identity, current.token);
      }
      const fetched = await this.deps.issue(entry.identity, entry.request, entry.subject, signal);
      if (fetched.lifetime === undefined) {
        // The path no longer returns a credential with a lifetime: stop caching it.
        this.deps.forget(entry);
        return;
      }
      // The old credential is left to expire on its own: the pod uses it until its next republish.
      Object.assign(entry, {
        secret: fetched.secret,
        lifetime: fetched.lifetime,
        token: fetched.token,
        spanStartMs: this.deps.now(),
        failures: 0,
        mustReplace: false,
      });
      this.deps.metrics?.leaseReissues.inc({ reason });
      this.deps.logger.info(
        { pod: podOf(entry), objects: entry.subject, reason },
        'issued a new credential before the old one expires; the next republish delivers it',
      );
      this.rescheduled(entry);
    } catch (error) {
      this.failed(entry, 'reissue', safeReason(error));
    }
  }

  private failed(entry: CacheEntry, operation: string, reason: string): void {
    const now = this.deps.now();
    entry.failures += 1;
    entry.nextActionAtMs = now + retryDelayMs(entry.failures, now, effectiveExpiry(entry));
    this.deps.metrics?.leaseRenewalFailures.inc({ operation });
    if (operation === 'renew') this.deps.metrics?.leaseRenewals.inc({ result: 'error' });
    this.deps.logger.warn(
      {
        pod: podOf(entry),
        objects: entry.subject,
        operation,
        failures: entry.failures,
        retryInMs: entry.nextActionAtMs - now,
        expiresInMs: effectiveExpiry(entry) - now,
        reason,
      },
      'could not renew or re-issue a cached credential; the cached one is served while it is valid, retrying with backoff',
    );
  }

  private rescheduled(entry: CacheEntry): void {
    this.schedule(entry);
    this.deps.changed();
  }
}
