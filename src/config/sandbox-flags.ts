/**
 * The flags of the sandbox for work a pod chooses (docs/security.md) and their parsing into
 * `SandboxSettings` (which, with its defaults, `sandbox/` owns). Fixed at process start.
 */
import { SANDBOX_DEFAULTS, type SandboxSettings } from '../sandbox/sandbox-settings.js';
import { ConfigError, FlagValues } from './command-line.js';

const d = SANDBOX_DEFAULTS;

export const SANDBOX_FLAGS = {
  'sandbox-workers': {
    help: `Worker threads rendering templates, jmesPath, formats and PKI parts, off the main event loop (default ${d.workers})`,
  },
  'sandbox-time-limit': {
    help: `CPU time the templates, jmesPath, formats and PKI parts of one Mount may take; past it the Mount fails ResourceExhausted (default ${d.timeLimitMs / 1000}s)`,
  },
  'sandbox-memory-limit': {
    help: `Heap in MiB the templates, jmesPath, formats and PKI parts of one Mount may use; past it the Mount fails ResourceExhausted (default ${d.memoryLimitMb})`,
  },
} as const;

export function parseSandboxFlags(value: (name: string) => string | undefined): SandboxSettings {
  const flags = new FlagValues(value);
  const timeLimitMs = flags.duration('sandbox-time-limit', d.timeLimitMs);
  if (timeLimitMs < 10) throw new ConfigError('-sandbox-time-limit must be at least 10ms');
  return {
    workers: flags.integer('sandbox-workers', d.workers, 1),
    timeLimitMs,
    memoryLimitMb: flags.integer('sandbox-memory-limit', d.memoryLimitMb, 16),
  };
}
