/**
 * Process configuration: fixed at start, from environment and flags (environment < flags).
 * Per-mount configuration is a separate type (`MountSpec`); SPC parameters override the
 * connection defaults here field by field. Defaults live in this file only.
 */
import * as z from 'zod';
import type { ConnectionDefaults } from '../mount/spec/mount-spec.js';
import { LOG_LEVELS, type LogLevel } from '../observability/logger.js';
import { ConfigError, FlagValues, parseCommandLine } from './command-line.js';
import type { MountSecurityPolicy } from '../mount/policy/security-policy.js';
import { parseSecurityFlags, SECURITY_FLAGS } from './security-flags.js';
import type { LeaseSettings } from '../leases/lease-settings.js';
import type { ResilienceSettings } from '../vault/resilience.js';
import { LEASE_FLAGS, parseLeaseFlags } from './lease-flags.js';
import { parseResilienceFlags, RESILIENCE_FLAGS } from './resilience-flags.js';
import type { SandboxSettings } from '../sandbox/sandbox-settings.js';
import { parseSandboxFlags, SANDBOX_FLAGS } from './sandbox-flags.js';
import type { ResponseCacheSettings } from '../leases/response-cache.js';
import { parseResponseCacheFlags, RESPONSE_CACHE_FLAGS } from './response-cache-flags.js';
import { splitHostPort } from '../go-compat/listen-address.js';

export type HmacKeySource = 'auto' | 'file' | 'kubernetes-secret' | 'random';
const HMAC_KEY_SOURCES: readonly HmacKeySource[] = ['auto', 'file', 'kubernetes-secret', 'random'];

export interface ProviderConfig {
  /** Unix socket the driver dials (`<providers dir>/vault.sock`). */
  readonly endpoint: string;
  /** `host:port` of the HTTP listener for health and metrics; empty disables it. */
  readonly healthAddr: string;
  readonly logLevel: LogLevel;
  readonly connection: ConnectionDefaults;
  /** File holding the HMAC key for object versions (a mounted Secret); absent → random per process. */
  readonly hmacKeyFile?: string;
  /** Name of the Kubernetes Secret holding the HMAC key (compatibility with the Go provider's flag). */
  readonly hmacSecretName: string;
  /** Where the HMAC key comes from; `auto`: the file if given, else the Secret in a cluster, else random. */
  readonly hmacKeySource: HmacKeySource;
  /** Mint a pod-bound service-account token (TokenRequest) when the driver sent none for our audience. */
  readonly tokenRequestFallback: boolean;
  /** The only audiences the fallback mints for: an SPC names the audience, the operator bounds it. */
  readonly tokenRequestAudiences: readonly string[];
  /** Maximum Vault tokens cached (about one per pod and connection on this node); 0 disables caching. */
  readonly tokenCacheSize: number;
  /** Largest Mount response we send; the driver's default receive limit is 4 MiB. */
  readonly maxResponseBytes: number;
  /** Vault requests in flight at once for one Mount. */
  readonly mountConcurrency: number;
  /** Upper bound of one Mount's work, also when the caller sets no deadline. */
  readonly mountTimeoutMs: number;
  /** Time kept back from the caller's deadline so our own error reaches kubelet first. */
  readonly deadlineMarginMs: number;
  /** Timeout of one HTTP request to Vault. */
  readonly vaultRequestTimeoutMs: number;
  /** How long in-flight Mounts may finish after SIGTERM before they are cancelled. */
  readonly shutdownGracePeriodMs: number;
  /** The operator's mount security controls (`security-flags.ts`, docs/security.md). */
  readonly security: MountSecurityPolicy;
  /** The lease cache: renewal, revocation, persistence (`lease-flags.ts`, docs/leases.md). */
  readonly leases: LeaseSettings;
  /** Backpressure, retries and circuit breaking toward Vault (`resilience-flags.ts`, docs/resilience.md). */
  readonly resilience: ResilienceSettings;
  /** Budgets of the work a pod chooses: templates, jmesPath, formats (`sandbox-flags.ts`, docs/security.md). */
  readonly sandbox: SandboxSettings;
  /** The refresh-interval cache of non-leased answers (`response-cache-flags.ts`, docs/refresh-interval.md). */
  readonly responseCache: ResponseCacheSettings;
}

export type Command =
  | { readonly kind: 'serve'; readonly config: ProviderConfig }
  | { readonly kind: 'version'; readonly output: 'json' | 'json-pretty' | 'yaml' };

export const DEFAULTS = {
  endpoint: '/tmp/vault.sock',
  healthAddr: ':8080',
  logLevel: 'info',
  vaultAddress: 'https://127.0.0.1:8200',
  authMountPath: 'kubernetes',
  hmacSecretName: 'vault-csi-provider-hmac-key',
  tokenRequestAudiences: ['vault'],
  tokenCacheSize: 1000,
  maxResponseBytes: 4 * 1024 * 1024,
  mountConcurrency: 32,
  mountTimeoutMs: 110_000,
  deadlineMarginMs: 5_000,
  vaultRequestTimeoutMs: 30_000,
  shutdownGracePeriodMs: 25_000,
} as const;

interface FlagSpec {
  readonly env?: string;
  readonly boolean?: boolean;
  readonly help: string;
}

/** Every flag, its environment variable (as in the Go provider) and what it does. */
export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  endpoint: { help: `Unix socket to serve the driver on (default ${DEFAULTS.endpoint})` },
  'health-addr': {
    help: `Address of the health and metrics HTTP listener (default ${DEFAULTS.healthAddr}); empty (-health-addr=) disables it`,
  },
  'log-level': { help: 'trace, debug, info, warn, error or off (default info)' },
  debug: { boolean: true, help: 'Deprecated: same as -log-level=debug unless -log-level is set' },
  version: { boolean: true, help: 'Print the version and exit' },
  output: { help: 'Format of -version: json, json-pretty or yaml (default json)' },
  'vault-addr': { env: 'VAULT_ADDR', help: `Default Vault address (default ${DEFAULTS.vaultAddress})` },
  'vault-mount': { help: `Default auth mount path (default ${DEFAULTS.authMountPath})` },
  'vault-namespace': { env: 'VAULT_NAMESPACE', help: 'Default Vault namespace' },
  'vault-tls-ca-cert': { env: 'VAULT_CACERT', help: 'CA certificate file to verify Vault' },
  'vault-tls-ca-directory': { env: 'VAULT_CAPATH', help: 'Directory of CA certificates to verify Vault' },
  'vault-tls-server-name': { env: 'VAULT_TLS_SERVER_NAME', help: 'TLS server name (SNI) of Vault' },
  'vault-tls-client-cert': { env: 'VAULT_CLIENT_CERT', help: 'Client certificate for mTLS to Vault' },
  'vault-tls-client-key': { env: 'VAULT_CLIENT_KEY', help: 'Client key for mTLS to Vault' },
  'vault-tls-skip-verify': {
    env: 'VAULT_SKIP_VERIFY',
    boolean: true,
    help: 'Do not verify Vault TLS certificates (insecure)',
  },
  'hmac-key-file': { help: 'File with the HMAC key for object versions (e.g. a mounted Secret)' },
  'hmac-secret-name': { help: `Kubernetes Secret with the HMAC key (default ${DEFAULTS.hmacSecretName})` },
  'hmac-key-source': {
    help: 'auto, file, kubernetes-secret or random (default auto: -hmac-key-file if set, else the Secret when in a cluster, else random)',
  },
  'token-request-fallback': {
    boolean: true,
    help: 'Mint a pod-bound token with the TokenRequest API when the driver sent none for the audience (needs create on serviceaccounts/token)',
  },
  'token-request-audiences': {
    help: `Comma-separated audiences -token-request-fallback may mint tokens for; an SPC asking for another is refused (default ${DEFAULTS.tokenRequestAudiences.join(',')})`,
  },
  'cache-size': { help: `Maximum cached Vault tokens; 0 disables caching (default ${DEFAULTS.tokenCacheSize})` },
  'max-response-bytes': { help: `Largest Mount response in bytes (default ${DEFAULTS.maxResponseBytes})` },
  'mount-concurrency': { help: `Vault requests in flight per Mount (default ${DEFAULTS.mountConcurrency})` },
  'mount-timeout': { help: 'Upper bound of one Mount, as a duration (default 110s)' },
  'deadline-margin': { help: 'Time kept back from the caller deadline (default 5s)' },
  'vault-request-timeout': { help: 'Timeout of one HTTP request to Vault (default 30s)' },
  'shutdown-grace-period': { help: 'Time for in-flight Mounts after SIGTERM (default 25s)' },
  ...SECURITY_FLAGS,
  ...LEASE_FLAGS,
  ...RESILIENCE_FLAGS,
  ...SANDBOX_FLAGS,
  ...RESPONSE_CACHE_FLAGS,
};

const booleanFlags = new Set(
  Object.entries(FLAGS)
    .filter(([, spec]) => spec.boolean)
    .map(([name]) => name),
);

const logLevelSchema = z.enum(LOG_LEVELS);

/**
 * `-health-addr`: absent means the default; given empty (`-health-addr=`) means no listener at
 * all (then nothing answers the kubelet probes, so the DaemonSet must not define them).
 */
function healthAddress(flag: string | undefined): string {
  if (flag === undefined) return DEFAULTS.healthAddr;
  if (flag === '') return '';
  try {
    splitHostPort(flag);
  } catch {
    throw new ConfigError(
      `invalid -health-addr "${flag}": use host:port or :port (port 0 picks a free one), or empty to disable`,
    );
  }
  return flag;
}

/** Reads flags over environment. Throws ConfigError naming the flag and the reason. */
export function loadCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Command {
  const parsed = parseCommandLine(argv, booleanFlags);
  for (const name of parsed.flags.keys()) {
    if (!(name in FLAGS)) throw new ConfigError(`flag provided but not defined: -${name}`);
  }
  const [extra] = parsed.positionals;
  if (extra !== undefined) throw new ConfigError(`unexpected argument "${extra}": the provider takes flags only`);
  const value = (name: string): string | undefined => {
    // An empty flag (`-vault-tls-ca-cert=`) means "not set", as Helm values render unset options.
    const fromFlag = parsed.flags.get(name);
    if (fromFlag !== undefined) return fromFlag === '' ? undefined : fromFlag;
    const envName = FLAGS[name]?.env;
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === '' ? undefined : fromEnv;
  };
  const flags = new FlagValues(value);
  const bool = (name: string) => flags.bool(name);
  const integer = (name: string, fallback: number, min: number) => flags.integer(name, fallback, min);
  const duration = (name: string, fallback: number) => flags.duration(name, fallback);

  if (bool('version')) {
    const output = value('output') ?? 'json';
    if (output !== 'json' && output !== 'json-pretty' && output !== 'yaml') {
      throw new ConfigError(`invalid value "${output}" for -output: must be json, json-pretty or yaml`);
    }
    return { kind: 'version', output };
  }

  const rawLevel = value('log-level');
  let logLevel: LogLevel;
  if (rawLevel === undefined) {
    logLevel = bool('debug') ? 'debug' : DEFAULTS.logLevel;
  } else {
    // As in the Go provider, an unknown level falls back to info rather than refusing to start.
    const level = logLevelSchema.safeParse(rawLevel.toLowerCase());
    logLevel = level.success ? level.data : 'info';
  }

  const vaultAddress = value('vault-addr') ?? DEFAULTS.vaultAddress;
  if (!/^(https?:\/\/[^/]+|unix:\/\/\/.+)/.test(vaultAddress)) {
    throw new ConfigError(
      `invalid -vault-addr "${vaultAddress}": use https://host:port, http://host:port or unix:///path`,
    );
  }
  const clientCert = value('vault-tls-client-cert');
  const clientKey = value('vault-tls-client-key');
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new ConfigError('both -vault-tls-client-cert and -vault-tls-client-key must be provided');
  }
  const namespace = value('vault-namespace');
  const caCertPath = value('vault-tls-ca-cert');
  const caDirectory = value('vault-tls-ca-directory');
  const serverName = value('vault-tls-server-name');
  const hmacKeyFile = value('hmac-key-file');
  const hmacKeySource = (value('hmac-key-source') ?? 'auto') as HmacKeySource;
  if (!HMAC_KEY_SOURCES.includes(hmacKeySource)) {
    throw new ConfigError(
      `invalid value "${hmacKeySource}" for -hmac-key-source: must be ${HMAC_KEY_SOURCES.join(', ')}`,
    );
  }
  if (hmacKeySource === 'file' && hmacKeyFile === undefined) {
    throw new ConfigError('-hmac-key-source=file needs -hmac-key-file');
  }

  const config: ProviderConfig = {
    endpoint: value('endpoint') ?? DEFAULTS.endpoint,
    healthAddr: healthAddress(parsed.flags.get('health-addr')),
    logLevel,
    connection: {
      vaultAddress,
      ...(namespace === undefined ? {} : { vaultNamespace: namespace }),
      authMountPath: (value('vault-mount') ?? DEFAULTS.authMountPath).replace(/^\/+|\/+$/g, ''),
      tls: {
        ...(caCertPath === undefined ? {} : { caCertPath }),
        ...(caDirectory === undefined ? {} : { caDirectory }),
        ...(serverName === undefined ? {} : { serverName }),
        ...(clientCert === undefined ? {} : { clientCertPath: clientCert }),
        ...(clientKey === undefined ? {} : { clientKeyPath: clientKey }),
        skipVerify: bool('vault-tls-skip-verify'),
      },
    },
    ...(hmacKeyFile === undefined ? {} : { hmacKeyFile }),
    hmacSecretName: value('hmac-secret-name') ?? DEFAULTS.hmacSecretName,
    hmacKeySource,
    tokenRequestFallback: bool('token-request-fallback'),
    tokenRequestAudiences: parseAudienceList(value('token-request-audiences')),
    tokenCacheSize: integer('cache-size', DEFAULTS.tokenCacheSize, -1),
    maxResponseBytes: integer('max-response-bytes', DEFAULTS.maxResponseBytes, 1024),
    mountConcurrency: integer('mount-concurrency', DEFAULTS.mountConcurrency, 1),
    mountTimeoutMs: duration('mount-timeout', DEFAULTS.mountTimeoutMs),
    deadlineMarginMs: duration('deadline-margin', DEFAULTS.deadlineMarginMs),
    vaultRequestTimeoutMs: duration('vault-request-timeout', DEFAULTS.vaultRequestTimeoutMs),
    shutdownGracePeriodMs: duration('shutdown-grace-period', DEFAULTS.shutdownGracePeriodMs),
    security: parseSecurityFlags(value),
    leases: parseLeaseFlags(value),
    resilience: parseResilienceFlags(value),
    sandbox: parseSandboxFlags(value),
    responseCache: parseResponseCacheFlags(value),
  };
  return { kind: 'serve', config };
}

function parseAudienceList(raw: string | undefined): readonly string[] {
  if (raw === undefined) return DEFAULTS.tokenRequestAudiences;
  const audiences = raw
    .split(',')
    .map((audience) => audience.trim())
    .filter((audience) => audience !== '');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
  if (audiences.length === 0 || audiences.some((audience) => /[\u0000-\u001f\u007f]/.test(audience))) {
    throw new ConfigError(
      `invalid value for -token-request-audiences: must be a comma-separated list of audiences, e.g. vault`,
    );
  }
  return audiences;
}

/** Every flag with its environment variable and help, as the Go flag package prints them. */
export function flagUsage(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]) => {
    const env = spec.env === undefined ? '' : ` [$${spec.env}]`;
    return `  -${name}${env}\n        ${spec.help}`;
  });
  return `${lines.join('\n')}\n`;
}
