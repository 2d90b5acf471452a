/**
 * Go `time.Duration` parsing and printing. Vault accepts TTLs as integer seconds or Go duration
 * strings, and prints durations in its warnings with `Duration.String()` ("1h0m0s", "9m59.5s").
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000, // Vault's parseutil accepts a day suffix
};

/** Seconds, or undefined when absent; throws a message (for a 400) when unparsable. */
export function parseDurationSeconds(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
    let ms = 0;
    let consumed = 0;
    for (const match of trimmed.matchAll(re)) {
      ms += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
      consumed += match[0].length;
    }
    if (consumed === trimmed.length && consumed > 0) return Math.trunc(ms / 1000);
  }
  throw new Error(`error converting input ${JSON.stringify(value)} for field "${field}": time: invalid duration`);
}

/** Go's Duration.String() for a millisecond count. */
export function formatGoDuration(ms: number): string {
  const totalMs = Math.round(ms);
  if (totalMs === 0) return '0s';
  const sign = totalMs < 0 ? '-' : '';
  let rest = Math.abs(totalMs);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** RFC 3339 with nanoseconds in UTC, as Go prints `time.Time` in JSON. */
export function rfc3339Nano(ms: number): string {
  // Go's RFC3339Nano trims trailing zeros of the fraction (".5Z", no fraction at all for ".000").
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.120Z
  return iso.replace(/\.(\d{3})Z$/, (_m, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed === '' ? 'Z' : `.${trimmed}Z`;
  });
}

export const SYSTEM_DEFAULT_TTL_SECONDS = 2_764_800; // 768h, Vault's system default and max
