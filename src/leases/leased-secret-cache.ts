/**
 * Dynamic credentials and certificates, kept per pod identity and request (per process) so a
 * republish serves the same bytes (same files, same versions) for as long as the credential is
 * valid, instead of minting a new one every minute. Consulted by the MountService around
 * `SecretReader.read`; static reads pass through untouched.
 *
 * In the background (`runDue`, on a timer or driven by tests with an injected clock) it renews
 * leases at a share of their TTL, keeps the owning Vault token alive with renew-self, and
 * re-issues a credential before it expires when it can no longer be extended, so the next
 * republish delivers the new one. Revocation of a gone pod's leases lives in `pod-lease-revoker`.
 */
import { LRUCache } from 'lru-cache';
import { SharedFlight } from '../async/shared-flight.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { SecretReader } from '../vault/secret-reader.js';
import type { TokenCache } from '../vault/token-cache.js';
import { identityKey, type VaultIdentity } from '../vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../vault/vault-request.js';
import { effectiveExpiry, entryKey, podOf, type CacheEntry, type TokenRecord } from './cache-entry.js';
import { lifetimeOf } from './lease-policy.js';
import { LeaseRenewer, type Issued } from './lease-renewer.js';
import { StagedCredential, type CredentialHandle } from './staged-credential.js';
import type { VaultLeaseClient } from './vault-lease-client.js';

export interface LeasedSecretCacheOptions {
  /** Maximum entries (about one per pod and dynamic request on this node); 0 disables the cache. */
  readonly maxEntries: number;
  /** Bytes the cached answers may take together; the least recently served go first beyond it. */
  readonly maxBytes?: number;
  /** Share of a lease's TTL after which it is renewed (default 2/3). */
  readonly leaseShare: number;
  /** Share of a certificate's lifetime after which it is re-issued (default 2/3). */
  readonly certificateShare: number;
  /** Up to this share of the span is taken off each action time, at random (default 0.1). */
  readonly jitter: number;
  readonly reader: SecretReader;
  readonly tokens: TokenCache;
  readonly client: VaultLeaseClient;
  readonly logger: Logger;
  readonly metrics?: ProviderMetrics;
  readonly now: () => number;
  readonly random?: () => number;
  /** Timeout of one background re-issue (login and read). */
  readonly backgroundTimeoutMs: number;
  /** Called after every change that the state store should persist. */
  readonly onChange?: () => void;
}

export type ReadSource = 'cache' | 'vault';

/** One request's answer to a Mount; `staged` when this Mount caused a credential to be issued. */
export interface LeasedRead {
  readonly secret: VaultSecret;
  readonly source: ReadSource;
  readonly staged?: CredentialHandle;
}

/** The grace kept before expiry: a credential this close to dying is not served from the cache. */
const SERVE_MARGIN_MS = 5_000;

export class LeasedSecretCache {
  /** Least recently served entries go first beyond `maxEntries` (their leases then run out at their TTL). */
  private readonly entries: LRUCache<string, CacheEntry>;
  /**
   * Issues in flight per identity and request: two Mounts of one pod at once (a driver retry)
   * must not mint two credentials. A caller that gives up leaves alone; the issue is cancelled
   * only when every caller has.
   */
  private readonly issuing = new SharedFlight<{ secret: VaultSecret; entry?: CacheEntry }>();
  /** Credentials issued for Mounts that have not answered yet (seconds), by entry key. */
  private readonly staged = new Map<string, { readonly secret: VaultSecret; readonly credential: StagedCredential }>();
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private readonly renewer: LeaseRenewer;

  constructor(private readonly options: LeasedSecretCacheOptions) {
    this.random = options.random ?? Math.random;
    // Disabled (maxEntries 0) means nothing is stored; the cache still needs a size of one.
    this.entries = new LRUCache<string, CacheEntry>({
      max: Math.max(1, options.maxEntries),
      maxSize: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      // What the entry holds for its life: the answer served to the pod (and its key).
      sizeCalculation: (entry) => Math.max(1, entryBytes(entry)),
    });
    this.renewer = new LeaseRenewer({
      client: options.client,
      tokens: options.tokens,
      issue: (identity, request, subject, signal) => this.fetch(identity, request, subject, signal),
      forget: (entry) => {
        this.entries.delete(entry.key);
        this.changed();
      },
      changed: () => this.changed(),
      jitter: options.jitter,
      random: this.random,
      backgroundTimeoutMs: options.backgroundTimeoutMs,
      logger: options.logger,
      metrics: options.metrics,
      now: options.now,
    });
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Serves `request` for `identity` from the cache when a valid credential is held, else from Vault. */
  read(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
    sharePercent?: number,
  ): Promise<LeasedRead> {
    if (!this.enabled) {
      return this.options.reader
        .read(identity, request, subject, signal)
        .then((secret) => ({ secret, source: 'vault' }));
    }
    const key = entryKey(identityKey(identity), request);
    // Looked at without touching its recency: only serving it does that.
    const cached = this.entries.peek(key);
    if (cached !== undefined && this.servable(cached)) {
      // Served only to a Mount whose JWT Vault accepted: a cached token for exactly this JWT, or
      // a login with it now (a deleted service account's token gets Vault's refusal, not the cache).
      return this.options.tokens.acquire(identity, signal).then(() => {
        this.entries.get(key);
        cached.identity = identity;
        cached.lastServedMs = this.options.now();
        cached.subject = subject;
        if (sharePercent !== undefined) cached.share = sharePercent / 100;
        return { secret: cached.secret, source: 'cache' as const };
      });
    }
    // Issued for a Mount that has not answered yet: shared with this one, still not cached.
    const staged = this.staged.get(key);
    if (staged !== undefined) {
      return this.options.tokens
        .acquire(identity, signal)
        .then(() => ({ secret: staged.secret, source: 'vault' as const, staged: staged.credential.handle() }));
    }
    return this.issuing
      .run(key, signal, (shared) => this.issue(key, identity, request, subject, shared, sharePercent))
      .then((issued) =>
        issued.entry === undefined
          ? { secret: issued.secret, source: 'vault' }
          : { secret: issued.secret, source: 'vault', staged: this.stage(issued.entry).handle() },
      );
  }

  /** Renews, keeps tokens alive, re-issues and expires whatever is due now. Safe to call at any time. */
  runDue(): Promise<void> {
    this.running ??= this.processDue().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Removes and returns a pod's entries (the revoker revokes their leases). */
  takePod(uid: string): CacheEntry[] {
    const taken = [...this.entries.values()].filter((entry) => entry.identity.pod.uid === uid);
    for (const entry of taken) this.entries.delete(entry.key);
    if (taken.length > 0) this.changed();
    return taken;
  }

  podUids(): Set<string> {
    return new Set([...this.entries.values()].map((entry) => entry.identity.pod.uid));
  }

  /** Every entry, least recently served first (the order `restore` puts them back in), for the state store. */
  snapshot(): readonly CacheEntry[] {
    return [...this.entries.rvalues()].filter((entry): entry is CacheEntry => entry !== undefined);
  }

  /** Puts restored entries back (the state store already dropped dead ones). */
  restore(entries: readonly CacheEntry[]): void {
    const tokens = new Map<string, TokenRecord>();
    for (const entry of entries) {
      // Entries that shared a token before the restart share one record again.
      const token = tokens.get(entry.token.token) ?? entry.token;
      tokens.set(token.token, token);
      this.entries.set(entry.key, { ...entry, token });
    }
    this.updateGauges();
  }

  clear(): void {
    this.entries.clear();
    this.updateGauges();
  }

  private servable(entry: CacheEntry): boolean {
    return this.options.now() < effectiveExpiry(entry) - SERVE_MARGIN_MS;
  }

  private async issue(
    key: string,
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
    sharePercent: number | undefined,
  ): Promise<{ secret: VaultSecret; entry?: CacheEntry }> {
    const fetched = await this.fetch(identity, request, subject, signal);
    if (fetched.lifetime === undefined) return { secret: fetched.secret };
    const { secret, lifetime, token } = fetched;
    const share = sharePercent === undefined ? this.defaultShare(lifetime.kind) : sharePercent / 100;
    const entry: CacheEntry = {
      key,
      identity,
      request,
      subject,
      secret,
      lifetime,
      token,
      spanStartMs: this.options.now(),
      share,
      leaseActionAtMs: 0,
      nextActionAtMs: 0,
      failures: 0,
      mustReplace: false,
      lastServedMs: this.options.now(),
    };
    return { secret, entry };
  }

  /**
   * The credential `entry` holds, waiting for its Mounts' answers: the first success caches it;
   * if all of them fail, its lease is revoked (it would otherwise live, unused, until its TTL).
   */
  private stage(entry: CacheEntry): StagedCredential {
    const existing = this.staged.get(entry.key);
    if (existing !== undefined) return existing.credential;
    const credential = new StagedCredential(
      () => {
        this.staged.delete(entry.key);
        this.renewer.schedule(entry);
        this.entries.set(entry.key, entry);
        this.changed();
      },
      () => {
        this.staged.delete(entry.key);
        void this.revokeUnused(entry);
      },
    );
    this.staged.set(entry.key, { secret: entry.secret, credential });
    return credential;
  }

  private async revokeUnused(entry: CacheEntry): Promise<void> {
    const leaseId = entry.lifetime.leaseId;
    if (leaseId === undefined) return; // a certificate without a lease just expires
    const outcome = await this.options.client.revokeLease(entry.identity.connection, entry.token.token, leaseId);
    this.options.logger.info(
      { pod: podOf(entry), objects: entry.subject, result: outcome.kind },
      outcome.kind === 'ok'
        ? 'revoked a credential issued for a Mount that failed'
        : 'could not revoke a credential issued for a Mount that failed; it expires at its TTL',
    );
  }

  /**
   * Reads through the SecretReader and notes the token the credential was issued under (the one
   * the token cache now holds for this identity: the reader used it or just logged in with it).
   */
  private async fetch(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
  ): Promise<Issued> {
    const secret = await this.options.reader.read(identity, request, subject, signal);
    const lifetime = lifetimeOf(secret, this.options.now());
    if (lifetime === undefined) return { secret };
    const lease = await this.options.tokens.acquire(identity, signal);
    const { token, issuedAtMs, expiresAtMs } = lease.token;
    const known = [...this.entries.values()].find((entry) => entry.token.token === token)?.token;
    const record: TokenRecord = known ?? {
      token,
      ttlSeconds: expiresAtMs === undefined ? 0 : Math.round((expiresAtMs - issuedAtMs) / 1000),
      renewedAtMs: issuedAtMs,
      ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
    };
    return { secret, lifetime, token: record };
  }

  private defaultShare(kind: 'lease' | 'certificate'): number {
    return kind === 'certificate' ? this.options.certificateShare : this.options.leaseShare;
  }

  private async processDue(): Promise<void> {
    const now = this.options.now();
    for (const entry of [...this.entries.values()]) {
      // The background pass must not make an entry look recently served.
      if (this.entries.peek(entry.key) !== entry) continue;
      if (now >= effectiveExpiry(entry)) {
        // Bounded memory: a credential that died (Vault unreachable throughout) is forgotten.
        this.entries.delete(entry.key);
        this.options.logger.warn(
          { pod: podOf(entry), objects: entry.subject },
          'a cached credential expired before it could be renewed or re-issued; the next Mount fetches a new one',
        );
        this.changed();
        continue;
      }
      if (now < entry.nextActionAtMs) continue;
      await this.renewer.attend(entry);
    }
    this.updateGauges();
  }

  private changed(): void {
    this.updateGauges();
    this.options.onChange?.();
  }

  private updateGauges(): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    const now = this.options.now();
    let leases = 0;
    let certificates = 0;
    let soonest = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (entry.lifetime.kind === 'certificate') certificates += 1;
      else leases += 1;
      soonest = Math.min(soonest, effectiveExpiry(entry) - now);
    }
    metrics.leasesHeld.set({ kind: 'lease' }, leases);
    metrics.leasesHeld.set({ kind: 'certificate' }, certificates);
    metrics.leaseSecondsToExpiry.set(Number.isFinite(soonest) ? Math.max(0, soonest / 1000) : 0);
  }
}

function entryBytes(entry: CacheEntry): number {
  return Buffer.byteLength(entry.key) + Buffer.byteLength(JSON.stringify(entry.secret));
}
