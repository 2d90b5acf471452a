/**
 * The operator's security controls for mounts, fixed at process start from flags
 * (`src/config/security-flags.ts`) and applied to every Mount. Defaults keep every existing
 * SecretProviderClass working (each control off or permissive); docs/security.md says which to
 * turn on and why. The mount code calls three hooks, in order:
 * 1. `checkRawRequest` before any parsing (sizes);
 * 2. `filterAttributes` on the parsed attribute map (protected parameters);
 * 3. `checkConnection` once the connection is known (address allowlist), and the async
 *    `guardFiles` before the first Vault request (TLS file directories).
 */
import { InvalidParameterError } from '../../errors.js';
import {
  canonicalVaultAddress,
  isAddressAllowed,
  parseAllowlistEntry,
  type AllowlistEntry,
} from './address-allowlist.js';
import { guardTlsFiles } from './file-parameter-guard.js';
import { checkRequestSize, DEFAULT_INPUT_LIMITS, type InputLimits } from './input-limits.js';
import type { VaultConnection } from '../../vault/vault-connection.js';
import type { ConnectionDefaults } from '../spec/mount-spec.js';
import { SERVICE_ACCOUNT_TOKENS_KEY } from '../spec/parameter-names.js';
import { applyOverridePolicy, DEFAULT_OVERRIDE_POLICY, type OverridePolicy } from './parameter-overrides.js';

export interface MountSecurityPolicy {
  /** `-allowed-vault-addresses`; undefined: any address (the Go provider's behaviour). */
  readonly allowedVaultAddresses?: readonly AllowlistEntry[];
  /** `-allowed-tls-file-dirs`; undefined: any path the provider can read. */
  readonly allowedTlsFileDirs?: readonly string[];
  readonly overrides: OverridePolicy;
  readonly limits: InputLimits;
  /**
   * `-service-account-token-source`: `any` (default) takes tokens from `secrets` or `attributes`,
   * as the driver offers them; `secrets` accepts them only from `secrets`, where kubelet puts them
   * when the CSIDriver sets serviceAccountTokenInSecrets and where a pod's volumeAttributes never go.
   */
  readonly tokenSource: TokenSource;
}

export type TokenSource = 'any' | 'secrets';
export const TOKEN_SOURCES: readonly TokenSource[] = ['any', 'secrets'];

export const DEFAULT_SECURITY_POLICY: MountSecurityPolicy = {
  overrides: DEFAULT_OVERRIDE_POLICY,
  limits: DEFAULT_INPUT_LIMITS,
  tokenSource: 'any',
};

export function checkRawRequest(attributes: string, secrets: string, policy: MountSecurityPolicy): void {
  checkRequestSize('attributes', attributes, policy.limits);
  checkRequestSize('secrets', secrets, policy.limits);
}

export function filterAttributes(
  attributes: ReadonlyMap<string, string>,
  policy: MountSecurityPolicy,
): { attributes: ReadonlyMap<string, string>; ignored: readonly string[] } {
  return applyOverridePolicy(attributes, policy.overrides);
}

/**
 * Under `-service-account-token-source=secrets`, a tokens key in the attributes that is not in
 * `secrets` came from the volume context: a pod's volumeAttributes (kubelet puts its own tokens
 * into `secrets` in this mode). Refused before any login, so a forged or replayed JWT of another
 * service account never reaches Vault. The value is never shown.
 */
export function checkTokenSource(
  attributes: ReadonlyMap<string, string>,
  secrets: ReadonlyMap<string, string>,
  policy: MountSecurityPolicy,
): void {
  if (policy.tokenSource !== 'secrets') return;
  if ((attributes.get(SERVICE_ACCOUNT_TOKENS_KEY) ?? '') === '') return;
  if ((secrets.get(SERVICE_ACCOUNT_TOKENS_KEY) ?? '') !== '') return;
  throw new InvalidParameterError(
    `parameter "${SERVICE_ACCOUNT_TOKENS_KEY}": service-account tokens arrived in the volume attributes, but the operator accepts them only from kubelet in the request's secrets (-service-account-token-source=secrets); remove the key from the pod's volumeAttributes, or check that the CSIDriver sets serviceAccountTokenInSecrets`,
  );
}

/**
 * Refuses a connection to an address outside the allowlist. The operator's own `-vault-addr`
 * is always allowed. The message shows the origin only (validated: no userinfo, no query).
 */
export function checkConnection(
  connection: VaultConnection,
  defaults: ConnectionDefaults,
  policy: MountSecurityPolicy,
): void {
  const entries = policy.allowedVaultAddresses;
  if (entries === undefined || connection.address === defaults.vaultAddress) return;
  if (isAddressAllowed(connection.address, [...entries, ...operatorEntry(defaults.vaultAddress)])) return;
  let shown = '';
  try {
    shown = ` "${canonicalVaultAddress(connection.address)}"`;
  } catch {
    // Not canonicalisable (e.g. userinfo): the refusal stands, the address is not echoed.
  }
  throw new InvalidParameterError(
    `parameter "vaultAddress": Vault address${shown} is not in the operator's allowlist (-allowed-vault-addresses), ` +
      `so the pod's token is not sent there; use an allowed address or ask the operator to add it`,
  );
}

/** The operator's own -vault-addr, allowed in any spelling (memoised: it is fixed per process). */
const operatorEntries = new Map<string, AllowlistEntry[]>();
function operatorEntry(address: string): AllowlistEntry[] {
  let entries = operatorEntries.get(address);
  if (entries === undefined) {
    try {
      entries = [parseAllowlistEntry(address)];
    } catch {
      entries = [];
    }
    operatorEntries.set(address, entries);
  }
  return entries;
}

/** The connection with mount-supplied TLS file paths resolved and confined. */
export async function guardFiles(
  connection: VaultConnection,
  defaults: ConnectionDefaults,
  policy: MountSecurityPolicy,
): Promise<VaultConnection> {
  const tls = await guardTlsFiles(connection.tls, defaults.tls, policy.allowedTlsFileDirs);
  return tls === connection.tls ? connection : { ...connection, tls };
}
