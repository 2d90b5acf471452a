/**
 * The flags of backpressure, retries and the circuit breaker toward Vault (docs/resilience.md)
 * and their parsing into `ResilienceSettings` (which, with its defaults, `vault/` owns).
 */
import { RESILIENCE_DEFAULTS, type ResilienceSettings } from '../vault/resilience.js';
import { ConfigError, FlagValues } from './command-line.js';

const d = RESILIENCE_DEFAULTS;

export const RESILIENCE_FLAGS = {
  'vault-max-in-flight': {
    help: `Requests in flight at once per Vault address, across all Mounts; 0: unbounded (default ${d.maxInFlight})`,
  },
  'vault-rate-limit': { help: 'Requests per second per Vault address (token bucket); 0: no limit (default 0)' },
  'vault-rate-burst': { help: `Burst of -vault-rate-limit (default ${d.rateBurst})` },
  'vault-max-retries': {
    help: `Retries of a Vault request on 429, 5xx and connection errors, within the Mount's budget (default ${d.maxRetries})`,
  },
  'vault-retry-base-delay': { help: 'First retry backoff ceiling, doubled per retry, full jitter (default 100ms)' },
  'vault-retry-max-delay': { help: 'Largest retry backoff (default 2s); Retry-After from Vault wins' },
  'vault-circuit-failures': {
    help: `Consecutive server failures (connection, timeout, 502/503/504, sealed) after which sys/health is probed and, if it fails too, the circuit opens; 0 disables it (default ${d.circuitFailures})`,
  },
  'vault-circuit-open-duration': {
    help: 'How long an open circuit fails fast before the next request probes sys/health again (default 500ms)',
  },
} as const;

export function parseResilienceFlags(value: (name: string) => string | undefined): ResilienceSettings {
  const flags = new FlagValues(value);
  const integer = (name: string, fallback: number) => flags.integer(name, fallback);
  const duration = (name: string, fallback: number) => flags.duration(name, fallback);
  const rawRate = value('vault-rate-limit');
  const rateLimit = rawRate === undefined ? d.rateLimit : Number(rawRate);
  if (!Number.isFinite(rateLimit) || rateLimit < 0 || !/^\d+(\.\d+)?$/.test(rawRate ?? '0')) {
    throw new ConfigError(`invalid value "${rawRate ?? ''}" for -vault-rate-limit: must be a number >= 0`);
  }
  const rateBurst = integer('vault-rate-burst', d.rateBurst);
  if (rateBurst < 1) throw new ConfigError('-vault-rate-burst must be at least 1');
  return {
    maxInFlight: integer('vault-max-in-flight', d.maxInFlight),
    rateLimit,
    rateBurst,
    maxRetries: integer('vault-max-retries', d.maxRetries),
    retryBaseDelayMs: duration('vault-retry-base-delay', d.retryBaseDelayMs),
    retryMaxDelayMs: duration('vault-retry-max-delay', d.retryMaxDelayMs),
    circuitFailures: integer('vault-circuit-failures', d.circuitFailures),
    circuitOpenMs: duration('vault-circuit-open-duration', d.circuitOpenMs),
  };
}
