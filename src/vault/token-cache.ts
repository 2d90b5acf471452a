/**
 * Vault tokens per identity (per process, bounded LRU). A token is reused until a share of its
 * TTL has passed, so republishes every minute cost no login. Concurrent Mounts of one pod share
 * one login (coalesced); different identities never share anything. A cached token answers only
 * a Mount whose JWT is for that identity (token-binding.ts); any other gets a login of its own.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ProviderMetrics } from '../observability/metrics.js';
import { SharedFlight } from '../async/shared-flight.js';
import { tokenBindsIdentity } from './token-binding.js';
import { identityKey, type VaultIdentity } from './vault-identity.js';

export interface VaultToken {
  /** Never logged. */
  readonly token: string;
  readonly issuedAtMs: number;
  /** Absent when the token does not expire (ttl 0, e.g. a root token behind an agent). */
  readonly expiresAtMs?: number;
  /** SHA-256 of the service-account JWT Vault accepted for this token (set by the cache). */
  readonly jwtDigest?: Buffer;
}

export interface TokenLease {
  readonly token: VaultToken;
  /** True when this call performed the login, so a 403 is final rather than a stale token. */
  readonly fresh: boolean;
}

export type LoginFunction = (identity: VaultIdentity, signal: AbortSignal) => Promise<VaultToken>;

export interface TokenCacheOptions {
  /** Maximum cached tokens; 0 disables caching (every Mount logs in). */
  readonly maxEntries: number;
  /** Share of the TTL after which a token is replaced by a new login (default 0.8). */
  readonly refreshAfterShare?: number;
  readonly now?: () => number;
  readonly metrics?: ProviderMetrics;
}

export class TokenCache {
  private readonly entries: LRUCache<string, VaultToken>;
  /** Logins in flight per identity; one caller giving up does not fail the others. */
  private readonly logins = new SharedFlight<VaultToken>();
  private readonly now: () => number;
  private readonly refreshAfterShare: number;

  constructor(
    private readonly login: LoginFunction,
    private readonly options: TokenCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshAfterShare = options.refreshAfterShare ?? 0.8;
    // With caching off (maxEntries 0) nothing is stored; the cache still needs a size of one.
    this.entries = new LRUCache<string, VaultToken>({ max: Math.max(1, options.maxEntries) });
  }

  async acquire(identity: VaultIdentity, signal: AbortSignal): Promise<TokenLease> {
    const key = identityKey(identity);
    const cached = this.entries.get(key);
    if (cached !== undefined && this.isUsable(cached) && tokenBindsIdentity(identity, this.now())) {
      this.options.metrics?.tokenCacheLookups.inc({ result: 'hit' });
      return { token: cached, fresh: false };
    }
    this.options.metrics?.tokenCacheLookups.inc({ result: 'miss' });
    if (cached !== undefined && this.isUsable(cached)) {
      // The JWT presented is not one for this identity (another account, stale): Vault judges it,
      // in a login of its own; the cached token stays for Mounts that present a proper one.
      const unbound = `${key}\u0000${createHash('sha256').update(identity.jwt).digest('base64url')}`;
      return { token: await this.logins.run(unbound, signal, (shared) => this.login(identity, shared)), fresh: true };
    }
    if (cached !== undefined) this.entries.delete(key);
    return { token: await this.loginOnce(key, identity, signal), fresh: true };
  }

  /**
   * A usable token that Vault issued for this very JWT: the cached one when it was, else a new
   * login with it, kept for the identity. What a cached answer is served behind
   * (docs/refresh-interval.md): the Mount must carry a JWT that Vault accepted, not merely one
   * whose claims name the identity. Callers pass only JWTs that bind the identity (token-binding.ts).
   */
  async acquireWithJwt(identity: VaultIdentity, signal: AbortSignal): Promise<TokenLease> {
    const key = identityKey(identity);
    const digest = jwtDigest(identity.jwt);
    const cached = this.entries.get(key);
    if (cached !== undefined && this.isUsable(cached) && sameDigest(cached.jwtDigest, digest)) {
      this.options.metrics?.tokenCacheLookups.inc({ result: 'hit' });
      return { token: cached, fresh: false };
    }
    this.options.metrics?.tokenCacheLookups.inc({ result: 'miss' });
    // Keyed by the JWT too: a login in flight with another JWT proves nothing about this one.
    const token = await this.logins.run(`${key}\0${digest.toString('hex')}`, signal, (shared) =>
      this.loginAndStore(key, identity, shared),
    );
    return { token, fresh: true };
  }

  /** Drops a token Vault refused, unless a newer one already replaced it. */
  invalidate(identity: VaultIdentity, token: VaultToken): void {
    const key = identityKey(identity);
    if (this.entries.peek(key) === token) this.entries.delete(key);
    this.updateGauge();
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.updateGauge();
  }

  private loginOnce(key: string, identity: VaultIdentity, signal: AbortSignal): Promise<VaultToken> {
    return this.logins.run(key, signal, (shared) => this.loginAndStore(key, identity, shared));
  }

  private async loginAndStore(key: string, identity: VaultIdentity, signal: AbortSignal): Promise<VaultToken> {
    const token: VaultToken = { ...(await this.login(identity, signal)), jwtDigest: jwtDigest(identity.jwt) };
    this.store(key, token);
    return token;
  }

  private store(key: string, token: VaultToken): void {
    if (this.options.maxEntries <= 0) return;
    this.entries.set(key, token);
    this.updateGauge();
  }

  private isUsable(token: VaultToken): boolean {
    if (token.expiresAtMs === undefined) return true;
    const refreshAt = token.issuedAtMs + (token.expiresAtMs - token.issuedAtMs) * this.refreshAfterShare;
    return this.now() < refreshAt;
  }

  private updateGauge(): void {
    this.options.metrics?.tokenCacheEntries.set(this.entries.size);
  }
}

function jwtDigest(jwt: string): Buffer {
  return createHash('sha256').update(jwt).digest();
}

function sameDigest(held: Buffer | undefined, presented: Buffer): boolean {
  return held !== undefined && timingSafeEqual(held, presented);
}
