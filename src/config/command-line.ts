/**
 * Go-style command-line parsing, so the args of existing DaemonSets and Helm values carry over
 * from hashicorp/vault-csi-provider unchanged: `-flag=value`, `--flag=value`, `-flag value`,
 * and a bare `-flag` for booleans.
 */
import { parseGoBool } from '../go-compat/parse-bool.js';
import { parseDurationMs } from '../go-compat/parse-duration.js';

export interface ParsedCommandLine {
  /** Flag name (without dashes) to its raw string value; booleans given bare are `"true"`. */
  readonly flags: ReadonlyMap<string, string>;
  /** Arguments that are not flags (sub-commands and their operands). */
  readonly positionals: readonly string[];
}

/** A flag or environment value the provider cannot start with; the message names it and the rule. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseCommandLine(argv: readonly string[], booleanFlags: ReadonlySet<string>): ParsedCommandLine {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const equals = body.indexOf('=');
    const name = equals === -1 ? body : body.slice(0, equals);
    if (name === '') throw new ConfigError(`bad flag syntax: ${arg}`);
    if (equals !== -1) {
      flags.set(name, body.slice(equals + 1));
    } else if (booleanFlags.has(name)) {
      flags.set(name, 'true');
    } else {
      const value = argv[index + 1];
      if (value === undefined) throw new ConfigError(`flag needs an argument: -${name}`);
      flags.set(name, value);
      index++;
    }
  }
  return { flags, positionals };
}

/**
 * Typed reads of flag values (flags already merged over the environment), shared by every
 * group of flags so each rule and its error message exist once. Absent values give the fallback.
 */
export class FlagValues {
  constructor(readonly raw: (name: string) => string | undefined) {}

  bool(name: string, fallback = false): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const result = parseGoBool(raw);
    if (result === undefined) throw new ConfigError(`invalid boolean value "${raw}" for -${name}`);
    return result;
  }

  integer(name: string, fallback: number, min = 0): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min) {
      throw new ConfigError(`invalid value "${raw}" for -${name}: must be an integer >= ${min}`);
    }
    return Number(raw);
  }

  duration(name: string, fallbackMs: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseDurationMs(raw);
    if (ms === undefined) {
      throw new ConfigError(`invalid duration "${raw}" for -${name}: use forms like 500ms, 30s, 1m30s`);
    }
    return ms;
  }

  /** A share of a lifetime, in percent, 1 to 99. */
  percent(name: string, fallback: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || parsed < 1 || parsed > 99) {
      throw new ConfigError(`invalid value "${raw}" for -${name}: must be a percentage from 1 to 99`);
    }
    return parsed;
  }
}
