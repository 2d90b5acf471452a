/**
 * The flags of the operator's security controls (docs/security.md) and their parsing into a
 * `MountSecurityPolicy`. Fixed at process start. Every default keeps existing SecretProviderClasses
 * working; a malformed value stops the provider at start rather than weakening a control.
 */
import { ConfigError } from './command-line.js';
import { AddressFormError, parseAllowlistEntry } from '../mount/policy/address-allowlist.js';
import { DEFAULT_INPUT_LIMITS } from '../mount/policy/input-limits.js';
import {
  CONNECTION_PARAMETERS_FOR_PROTECTION,
  DEFAULT_PROTECTED_PARAMETERS,
  OVERRIDE_MODES,
  UNPROTECTABLE_PARAMETERS,
  type OverrideMode,
} from '../mount/policy/parameter-overrides.js';
import { TOKEN_SOURCES, type MountSecurityPolicy, type TokenSource } from '../mount/policy/security-policy.js';

export const SECURITY_FLAGS = {
  'allowed-vault-addresses': {
    help: 'Comma-separated Vault addresses mounts may use: exact (https://vault:8200), path prefix ending in / (unix:///run/vault/), or host wildcard (https://*.vault.svc:8200). Default: any',
  },
  'allowed-tls-file-dirs': {
    help: 'Comma-separated directories the TLS file parameters (vaultCACertPath, vaultCADirectory, client cert/key) must resolve into. Default: any readable path',
  },
  'volume-attribute-overrides': {
    help: 'allow, ignore or deny: whether mount attributes may set the -protected-parameters (default allow)',
  },
  'protected-parameters': {
    help: `Comma-separated parameters pinned to the provider flags when -volume-attribute-overrides is ignore or deny (default ${DEFAULT_PROTECTED_PARAMETERS.join(',')})`,
  },
  'service-account-token-source': {
    help: 'any or secrets: accept pod tokens only from the request secrets (CSIDriver serviceAccountTokenInSecrets), never from volume attributes (default any)',
  },
  'max-attributes-bytes': {
    help: `Largest attributes or secrets JSON of one Mount (default ${DEFAULT_INPUT_LIMITS.maxAttributesBytes})`,
  },
  'max-objects': { help: `Most objects in one SecretProviderClass (default ${DEFAULT_INPUT_LIMITS.maxObjects})` },
  'max-yaml-depth': { help: `Deepest YAML nesting in objects (default ${DEFAULT_INPUT_LIMITS.maxYamlDepth})` },
} as const;

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ConfigError(`invalid value "${raw}" for -${name}: must be an integer >= 1`);
  }
  return Number(raw);
}

/** `value(name)` returns the flag's value, undefined when unset or empty. */
export function parseSecurityFlags(value: (name: string) => string | undefined): MountSecurityPolicy {
  const addresses = list(value('allowed-vault-addresses'));
  const allowedVaultAddresses = addresses?.map((entry) => {
    try {
      return parseAllowlistEntry(entry);
    } catch (error) {
      const why = error instanceof AddressFormError ? error.message : 'invalid';
      // Userinfo may hold credentials: never echo it.
      const shown = entry.replace(/\/\/[^/]*@/, '//***@');
      throw new ConfigError(`invalid entry "${shown}" in -allowed-vault-addresses: ${why}`);
    }
  });

  const directories = list(value('allowed-tls-file-dirs'));
  for (const directory of directories ?? []) {
    if (!directory.startsWith('/') || directory.split('/').includes('..')) {
      throw new ConfigError(
        `invalid directory "${directory}" in -allowed-tls-file-dirs: must be absolute, without ".."`,
      );
    }
  }

  const mode = (value('volume-attribute-overrides') ?? 'allow') as OverrideMode;
  if (!OVERRIDE_MODES.includes(mode)) {
    throw new ConfigError(`invalid value "${mode}" for -volume-attribute-overrides: must be allow, ignore or deny`);
  }
  const protectedParameters = list(value('protected-parameters')) ?? DEFAULT_PROTECTED_PARAMETERS;
  for (const parameter of protectedParameters) {
    if (UNPROTECTABLE_PARAMETERS.includes(parameter)) {
      throw new ConfigError(
        `-protected-parameters: "${parameter}" cannot be protected (every SecretProviderClass sets it; Vault's role binding decides what it grants)`,
      );
    }
    if (!CONNECTION_PARAMETERS_FOR_PROTECTION.includes(parameter)) {
      throw new ConfigError(
        `-protected-parameters: unknown parameter "${parameter}" (known: ${CONNECTION_PARAMETERS_FOR_PROTECTION.join(', ')})`,
      );
    }
  }

  const tokenSource = (value('service-account-token-source') ?? 'any') as TokenSource;
  if (!TOKEN_SOURCES.includes(tokenSource)) {
    throw new ConfigError(`invalid value "${tokenSource}" for -service-account-token-source: must be any or secrets`);
  }

  return {
    tokenSource,
    ...(allowedVaultAddresses === undefined ? {} : { allowedVaultAddresses }),
    ...(directories === undefined ? {} : { allowedTlsFileDirs: directories }),
    overrides: { mode, protectedParameters },
    limits: {
      maxAttributesBytes: positiveInteger(
        'max-attributes-bytes',
        value('max-attributes-bytes'),
        DEFAULT_INPUT_LIMITS.maxAttributesBytes,
      ),
      maxObjects: positiveInteger('max-objects', value('max-objects'), DEFAULT_INPUT_LIMITS.maxObjects),
      maxYamlDepth: positiveInteger('max-yaml-depth', value('max-yaml-depth'), DEFAULT_INPUT_LIMITS.maxYamlDepth),
    },
  };
}
