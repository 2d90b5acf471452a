/**
 * Go's `time.ParseDuration` for the forms flags use (`90s`, `1m30s`, `500ms`, `2h`), so duration
 * flags carry over from the Go provider; a plain number is seconds.
 */
export function parseDurationMs(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(pattern)) {
    if (match.index !== consumed) return undefined;
    total += Number(match[1]) * (units[match[2] ?? ''] ?? Number.NaN);
    consumed += match[0].length;
  }
  return consumed === value.length && consumed > 0 && Number.isFinite(total) ? total : undefined;
}
