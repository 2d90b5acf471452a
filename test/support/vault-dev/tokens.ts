/**
 * The token store: service tokens with TTL/max TTL measured on the injected clock, so tests move
 * time instead of sleeping. Expired tokens are treated exactly like revoked ones (invalid), and
 * a token's death revokes every lease it created (vault-api.md §7.8) via `onRevoke`.
 * Lives as long as one dev server.
 */
import { formatGoDuration, rfc3339Nano } from './durations.js';
import { errorResponse } from './errors.js';
import { base62, withNamespaceSuffix } from './ids.js';

export interface TokenEntry {
  readonly id: string;
  readonly accessor: string;
  /** Namespace path ('' for root) the token was created in; it is valid only there. */
  readonly namespace: string;
  readonly policies: readonly string[];
  readonly meta: Readonly<Record<string, string>> | null;
  readonly displayName: string;
  readonly path: string;
  readonly entityId: string;
  readonly issueMs: number;
  readonly creationTtlSeconds: number;
  /** null = never expires (root). */
  expireMs: number | null;
  /** Absolute cap from issue time; null = none. */
  readonly maxExpireMs: number | null;
  /** TTL used by a renewal without increment (the role's TTL at login). */
  readonly defaultRenewSeconds: number;
  readonly renewable: boolean;
  readonly orphan: boolean;
  lastRenewalMs: number | null;
  revoked: boolean;
  readonly mountType: string;
  /** Set for tokens made by `auth/token/create`: revoking the parent revokes them too. */
  readonly parentId?: string;
}

export interface IssueOptions {
  readonly namespace: string;
  readonly namespaceId: string;
  readonly policies: readonly string[];
  readonly meta: Readonly<Record<string, string>> | null;
  readonly displayName: string;
  readonly path: string;
  readonly entityId: string;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly mountType: string;
  readonly parentId?: string;
}

export interface RenewResult {
  readonly ttlSeconds: number;
  readonly warnings: string[];
}

/** Vault's framework.CalculateTTL: TTL counted from now, capped at issue + max with a warning. */
export function calculateRenewal(
  nowMs: number,
  maxExpireMs: number | null,
  incrementSeconds: number | undefined,
  defaultSeconds: number,
): RenewResult {
  let ttlMs = (incrementSeconds !== undefined && incrementSeconds > 0 ? incrementSeconds : defaultSeconds) * 1000;
  const warnings: string[] = [];
  if (maxExpireMs !== null) {
    // Whole seconds, as Vault's lease times are: a renewal right after issue is capped at
    // exactly the max TTL ("10m"), not 9m59.995s (OpenBao 2.7.2, test/real/contract).
    const maxValidMs = Math.round((maxExpireMs - nowMs) / 1000) * 1000;
    if (maxValidMs <= 0) throw errorResponse('past the max TTL, cannot renew');
    if (maxValidMs < ttlMs) {
      warnings.push(
        // The effective max is printed without zero trailing units ("10m", not "10m0s"), as OpenBao 2.7.2 does.
        `TTL of ${JSON.stringify(formatGoDuration(ttlMs))} exceeded the effective max_ttl of ${JSON.stringify(formatGoDuration(maxValidMs).replace(/(\D)(0s|0m0s)$/, '$1'))}; TTL value is capped accordingly`,
      );
      ttlMs = maxValidMs;
    }
  }
  return { ttlSeconds: Math.floor(ttlMs / 1000), warnings };
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly revokeListeners: ((token: TokenEntry) => void)[] = [];

  constructor(private readonly now: () => number) {}

  onRevoke(listener: (token: TokenEntry) => void): void {
    this.revokeListeners.push(listener);
  }

  createRoot(id: string): TokenEntry {
    const entry: TokenEntry = {
      id,
      accessor: base62(24),
      namespace: '',
      policies: ['root'],
      meta: null,
      displayName: 'root',
      path: 'auth/token/root',
      entityId: '',
      issueMs: this.now(),
      creationTtlSeconds: 0,
      expireMs: null,
      maxExpireMs: null,
      defaultRenewSeconds: 0,
      renewable: false,
      orphan: true,
      lastRenewalMs: null,
      revoked: false,
      mountType: 'token',
    };
    this.tokens.set(id, entry);
    return entry;
  }

  issue(options: IssueOptions): TokenEntry {
    const nowMs = this.now();
    const ttlSeconds = Math.min(options.ttlSeconds, options.maxTtlSeconds);
    const entry: TokenEntry = {
      id: withNamespaceSuffix(`hvs.${base62(24)}`, options.namespaceId),
      accessor: withNamespaceSuffix(base62(24), options.namespaceId),
      namespace: options.namespace,
      policies: [...new Set(options.policies)].sort(),
      meta: options.meta,
      displayName: options.displayName,
      path: options.path,
      entityId: options.entityId,
      issueMs: nowMs,
      creationTtlSeconds: ttlSeconds,
      expireMs: nowMs + ttlSeconds * 1000,
      maxExpireMs: nowMs + options.maxTtlSeconds * 1000,
      defaultRenewSeconds: options.ttlSeconds,
      renewable: true,
      orphan: options.parentId === undefined,
      lastRenewalMs: null,
      revoked: false,
      mountType: options.mountType,
      ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
    };
    this.tokens.set(entry.id, entry);
    return entry;
  }

  /** The live token for this value, or undefined (unknown, revoked or expired). */
  lookup(id: string): TokenEntry | undefined {
    const entry = this.tokens.get(id);
    if (entry === undefined) return undefined;
    if (!this.isAlive(entry)) {
      // Expiry is observed lazily on the clock; revoke now so its leases die with it.
      this.revoke(entry.id);
      return undefined;
    }
    return entry;
  }

  /** Every token ever issued here (root included), in issue order. */
  all(): TokenEntry[] {
    return [...this.tokens.values()];
  }

  isAlive(entry: TokenEntry): boolean {
    return !entry.revoked && (entry.expireMs === null || this.now() < entry.expireMs);
  }

  isAliveById(id: string): boolean {
    const entry = this.tokens.get(id);
    return entry !== undefined && this.isAlive(entry);
  }

  revoke(id: string): boolean {
    const entry = this.tokens.get(id);
    if (entry === undefined || entry.revoked) return false;
    entry.revoked = true;
    for (const listener of this.revokeListeners) listener(entry);
    for (const child of this.tokens.values()) if (child.parentId === id) this.revoke(child.id);
    return true;
  }

  renew(entry: TokenEntry, incrementSeconds: number | undefined): RenewResult {
    if (!entry.renewable || entry.expireMs === null) throw errorResponse('lease is not renewable');
    const result = calculateRenewal(this.now(), entry.maxExpireMs, incrementSeconds, entry.defaultRenewSeconds);
    entry.expireMs = this.now() + result.ttlSeconds * 1000;
    entry.lastRenewalMs = this.now();
    return result;
  }

  remainingSeconds(entry: TokenEntry): number {
    return entry.expireMs === null ? 0 : Math.max(0, Math.floor((entry.expireMs - this.now()) / 1000));
  }

  /** The `auth` object of login/renew responses, keys in Vault's struct order. */
  authBlock(entry: TokenEntry, leaseDurationSeconds: number): Record<string, unknown> {
    return {
      client_token: entry.id,
      accessor: entry.accessor,
      policies: [...entry.policies],
      token_policies: [...entry.policies],
      metadata: entry.meta === null ? null : Object.fromEntries(Object.entries(entry.meta).sort()),
      lease_duration: leaseDurationSeconds,
      renewable: entry.renewable,
      entity_id: entry.entityId,
      token_type: 'service',
      orphan: entry.orphan,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  /** `auth/token/lookup-self` data (a Go map: the envelope sorts its keys). */
  lookupData(entry: TokenEntry): Record<string, unknown> {
    const data: Record<string, unknown> = {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.issueMs / 1000),
      creation_ttl: entry.creationTtlSeconds,
      display_name: entry.displayName,
      entity_id: entry.entityId,
      expire_time: entry.expireMs === null ? null : rfc3339Nano(entry.expireMs),
      explicit_max_ttl: 0,
      id: entry.id,
      meta: entry.meta,
      num_uses: 0,
      orphan: entry.orphan,
      path: entry.path,
      policies: [...entry.policies],
      renewable: entry.renewable,
      ttl: this.remainingSeconds(entry),
      type: 'service',
    };
    if (entry.expireMs !== null) data.issue_time = rfc3339Nano(entry.issueMs);
    if (entry.lastRenewalMs !== null) {
      data.last_renewal = rfc3339Nano(entry.lastRenewalMs);
      data.last_renewal_time = Math.floor(entry.lastRenewalMs / 1000);
    }
    if (entry.namespace !== '') data.namespace_path = `${entry.namespace}/`;
    return data;
  }
}
