/**
 * `refreshInterval`, as a SecretProviderClass parameter (the default for all its objects) and as
 * an object field (docs/refresh-interval.md): how long a non-leased answer (a KV read) is served
 * from the pod's own cache before a republish reads Vault again. A Go duration (`10m`, `1h30m`) or
 * a number of seconds; `0` turns it off (an object can opt out of its SPC's default).
 */
import { InvalidParameterError } from '../../errors.js';
import { parseDurationMs } from '../../go-compat/parse-duration.js';

/** A day: past it, a rotated secret would reach pods too late to call it a refresh. */
export const MAX_REFRESH_INTERVAL_MS = 24 * 3_600_000;

/** Milliseconds (0: off); `where` names the parameter or field in the error. */
export function parseRefreshInterval(value: string | number, where: string): number {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value.trim());
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidParameterError(
      `${where}: ${shownValue(value)} is not a duration; write one such as "10m" or "1h30m", or 0 to read Vault on every republish (docs/refresh-interval.md)`,
    );
  }
  if (ms > MAX_REFRESH_INTERVAL_MS) {
    throw new InvalidParameterError(
      `${where}: ${shownValue(value)} is longer than 24h; a secret changed in Vault would reach the pod that late (docs/refresh-interval.md)`,
    );
  }
  return Math.round(ms);
}

/**
 * A mistyped duration (`10 min`, `1d`) is quoted so the user sees it; anything else is not: a
 * value pasted into the wrong parameter may be a token, and errors become pod events.
 */
function shownValue(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return /^[\w. ]{1,20}$/.test(value) ? JSON.stringify(value) : `the value (${value.length} characters)`;
}
