/**
 * What a Mount needs from below to get its secrets, declared here so `mount/` depends on no
 * particular cache: the lease cache (`leases/`) meets it, serving dynamic credentials it already
 * holds and reading everything else through `vault/`. One instance per process.
 */
import type { VaultIdentity } from '../../vault/vault-identity.js';
import type { VaultRequest, VaultSecret } from '../../vault/vault-request.js';

export interface SecretRead {
  readonly secret: VaultSecret;
  /** Whether the bytes came from a credential or answer already held (audit line, metrics). */
  readonly source: 'cache' | 'vault';
  /** A credential issued, or an answer read, for this Mount: kept for later Mounts only if this one succeeds. */
  readonly staged?: StagedSecret;
}

/**
 * A dynamic credential this Mount caused Vault to issue. The Mount answers for it exactly once:
 * `commit` when it succeeded (the credential is cached, renewed and served on republish),
 * `release` when it failed (the credential is dropped and its lease revoked, unless another
 * Mount that shares it commits). A failed Mount leaves nothing behind to fill the cache.
 */
export interface StagedSecret {
  commit(): void;
  release(): void;
}

export interface SecretSource {
  /**
   * `subject` names the object(s) in errors; `renewalPercent` is the objects' own renewal share
   * for a dynamic credential (docs/leases.md); `refreshIntervalMs` how long a non-leased answer
   * may be served from the pod's cache (docs/refresh-interval.md; 0 or absent: read Vault).
   * Rejects with the signal's reason when it aborts.
   */
  read(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
    renewalPercent?: number,
    refreshIntervalMs?: number,
  ): Promise<SecretRead>;
}
