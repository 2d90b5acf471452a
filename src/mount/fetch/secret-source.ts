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
  /**
   * Keeps the answer for later Mounts; called only once the whole Mount has succeeded, so an
   * answer a failed Mount read (a partial set, a render error) is never what a later one gets.
   */
  readonly commit?: () => void;
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
