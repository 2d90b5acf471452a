/**
 * The flags of the refresh-interval cache (docs/refresh-interval.md) and their parsing into
 * `ResponseCacheSettings` (which, with its defaults, `leases/` owns). Fixed at process start.
 */
import { RESPONSE_CACHE_DEFAULTS, type ResponseCacheSettings } from '../leases/response-cache.js';
import { FlagValues } from './command-line.js';

const d = RESPONSE_CACHE_DEFAULTS;

export const RESPONSE_CACHE_FLAGS = {
  'response-cache-size': {
    help: `Non-leased answers kept for objects with a refreshInterval (about one per pod and path); 0 disables refreshInterval, so every republish reads Vault (default ${d.maxEntries})`,
  },
  'response-cache-max-bytes': {
    help: `Memory those answers may take, in bytes; least recently served go first (default ${d.maxBytes})`,
  },
} as const;

export function parseResponseCacheFlags(value: (name: string) => string | undefined): ResponseCacheSettings {
  const flags = new FlagValues(value);
  return {
    maxEntries: flags.integer('response-cache-size', d.maxEntries),
    maxBytes: flags.integer('response-cache-max-bytes', d.maxBytes, 1024),
  };
}
