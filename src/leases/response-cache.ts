/**
 * The refresh interval (docs/refresh-interval.md): a non-leased Vault answer (a KV read) kept per
 * pod identity and request, and served to that pod's republishes until the interval its objects
 * ask for has passed since Vault gave it. Without an interval nothing here applies: every
 * republish reads Vault, as before. Leased answers keep the lease cache's rules (it sits below).
 *
 * Only a Mount that proves the identity gets a cached answer: it must carry a service-account
 * JWT, and the token cache must hold a usable Vault token that Vault issued for that very JWT
 * (else the JWT is sent to Vault in a login first). An answer is kept only when the Mount that
 * read it succeeded (`staged.commit`), is never shared across identities (the key holds the pod uid and
 * the whole connection and auth configuration), and is dropped when its pod is seen gone. The
 * cache is bounded by entries and by the approximate bytes of what it holds; least recently
 * served first out. One instance per process.
 */
import { LRUCache } from 'lru-cache';
import type { ProviderMetrics } from '../observability/metrics.js';
import { tokenBindsIdentity } from '../vault/token-binding.js';
import type { TokenCache } from '../vault/token-cache.js';
import { identityKey, type VaultIdentity } from '../vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../vault/vault-request.js';
import { entryKey } from './cache-entry.js';
import { lifetimeOf } from './lease-policy.js';
import type { LeasedRead, LeasedSecretCache } from './leased-secret-cache.js';

export interface ResponseCacheSettings {
  /** Answers kept at most (about one per pod and KV path on this node); 0 disables the cache. */
  readonly maxEntries: number;
  /** Approximate bytes of the answers kept at most. */
  readonly maxBytes: number;
}

export const RESPONSE_CACHE_DEFAULTS: ResponseCacheSettings = { maxEntries: 10_000, maxBytes: 32 * 1024 * 1024 };

/**
 * What a Mount gets for one request, as the lease cache serves it; `staged` keeps a fresh answer
 * (or a credential, below) once the Mount succeeded.
 */
export type ServedRead = LeasedRead;

/** Where answers come from when this cache has none: the lease cache, which reads Vault. */
export type ReadThrough = Pick<LeasedSecretCache, 'read'>;

export interface ResponseCacheOptions extends ResponseCacheSettings {
  readonly next: ReadThrough;
  readonly tokens: TokenCache;
  readonly metrics?: ProviderMetrics;
  /** The clock of lease and token lifetimes (tests inject one). */
  readonly now: () => number;
}

interface HeldAnswer {
  readonly secret: VaultSecret;
  readonly podUid: string;
  /** When Vault gave the answer: the interval counts from here. */
  readonly answeredAtMs: number;
  readonly bytes: number;
}

/** Per entry beside the answer's JSON: the key, the record, the map's own bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * The most of the cache's entries and bytes one pod's answers may hold. The cache is shared by
 * every pod on the node: past its share, a pod's new answer pushes out that pod's own oldest,
 * never another pod's, so one pod reading many or large paths cannot empty the others' caches.
 */
export const POD_SHARE = 1 / 8;

/** One pod's answers in the cache, oldest kept first. */
interface PodHoldings {
  readonly keys: Set<string>;
  bytes: number;
}

export class ResponseCache {
  private readonly held: LRUCache<string, HeldAnswer>;
  private readonly byPod = new Map<string, PodHoldings>();

  constructor(private readonly options: ResponseCacheOptions) {
    this.held = new LRUCache<string, HeldAnswer>({
      // Disabled (maxEntries 0) means nothing is stored; the cache still needs a size of one.
      max: Math.max(1, options.maxEntries),
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (answer) => answer.bytes,
      // Every way out (evicted, replaced, deleted, cleared) goes through here.
      dispose: (answer, key) => this.forget(key, answer),
    });
  }

  get size(): number {
    return this.held.size;
  }

  read(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
    renewalPercent?: number,
    refreshIntervalMs?: number,
  ): Promise<ServedRead> {
    if (refreshIntervalMs === undefined || refreshIntervalMs <= 0 || this.options.maxEntries <= 0) {
      return this.options.next.read(identity, request, subject, signal, renewalPercent);
    }
    return this.readCached(identity, request, subject, signal, renewalPercent, refreshIntervalMs);
  }

  /** Drops a pod's answers (its pod was seen deleted); the next Mount of that uid reads Vault. */
  dropPod(uid: string): void {
    const keys = [...(this.byPod.get(uid)?.keys ?? [])];
    for (const key of keys) this.held.delete(key);
    if (keys.length > 0) this.updateGauges();
  }

  clear(): void {
    this.held.clear();
    this.updateGauges();
  }

  private async readCached(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
    renewalPercent: number | undefined,
    intervalMs: number,
  ): Promise<ServedRead> {
    const key = entryKey(identityKey(identity), request);
    // A JWT whose claims are for someone else (or stale) is never answered from here: Vault judges it.
    const held = tokenBindsIdentity(identity, this.options.now()) ? this.held.get(key) : undefined;
    if (held !== undefined && this.options.now() < held.answeredAtMs + intervalMs) {
      // The Mount must prove the identity: a token Vault issued for the JWT it carries.
      await this.options.tokens.acquireWithJwt(identity, signal);
      this.options.metrics?.responseCacheLookups.inc({ result: 'hit' });
      return { secret: held.secret, source: 'cache' };
    }
    const read = await this.options.next.read(identity, request, subject, signal, renewalPercent);
    const answeredAtMs = this.options.now();
    // Held credentials and anything with a lease or an expiry follow the lease rules, not these.
    if (read.source === 'cache' || lifetimeOf(read.secret, answeredAtMs) !== undefined) return read;
    this.options.metrics?.responseCacheLookups.inc({ result: 'miss' });
    const below = read.staged;
    const answer: HeldAnswer = {
      secret: read.secret,
      podUid: identity.pod.uid,
      answeredAtMs,
      bytes: sizeOf(key, read.secret),
    };
    return {
      ...read,
      staged: {
        commit: () => {
          below?.commit();
          this.keep(key, answer);
        },
        release: () => below?.release(),
      },
    };
  }

  private keep(key: string, answer: HeldAnswer): void {
    const maxBytes = Math.max(1, Math.floor(this.options.maxBytes * POD_SHARE));
    const maxEntries = Math.max(1, Math.floor(this.options.maxEntries * POD_SHARE));
    // An answer larger than a pod's whole share is not kept: that pod reads Vault every time.
    if (answer.bytes > maxBytes) return;
    this.held.delete(key);
    const own = this.byPod.get(answer.podUid);
    if (own !== undefined) {
      for (const oldest of own.keys) {
        if (own.bytes + answer.bytes <= maxBytes && own.keys.size < maxEntries) break;
        this.held.delete(oldest);
      }
    }
    this.held.set(key, answer);
    const holdings = this.byPod.get(answer.podUid) ?? { keys: new Set<string>(), bytes: 0 };
    holdings.keys.add(key);
    holdings.bytes += answer.bytes;
    this.byPod.set(answer.podUid, holdings);
    this.updateGauges();
  }

  private forget(key: string, answer: HeldAnswer): void {
    const holdings = this.byPod.get(answer.podUid);
    if (!holdings?.keys.delete(key)) return;
    holdings.bytes -= answer.bytes;
    if (holdings.keys.size === 0) this.byPod.delete(answer.podUid);
  }

  private updateGauges(): void {
    this.options.metrics?.responseCacheEntries.set(this.held.size);
    this.options.metrics?.responseCacheBytes.set(this.held.calculatedSize);
  }
}

/** UTF-16 strings: two bytes a character for the key and the answer's JSON, plus the record. */
function sizeOf(key: string, secret: VaultSecret): number {
  return (key.length + JSON.stringify(secret).length) * 2 + ENTRY_OVERHEAD_BYTES;
}
