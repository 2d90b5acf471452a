/**
 * How yaml.v3 (the Go provider's YAML decoder) reads plain scalars into `interface{}`, where the
 * YAML 1.2 core schema reads them otherwise. It matters for `secretArgs`: the values are sent to
 * Vault as JSON and hashed into object versions, so they must be the values Go would send.
 * - Integers are int64, else uint64, else float64: `9007199254740993` stays exact (a BigInt
 *   here), `-0` is the integer 0, and past uint64 the float64 rounding applies.
 * - A float that overflows float64 (`1e400`) is the string as written, as yaml.v3 falls back to.
 * - Timestamps (`2024-01-02`, `2024-01-02 03:04:05`, `2024-1-2T3:4:5.5+02:00`) are Go `time.Time`
 *   values, which encoding/json writes in RFC 3339 (`2024-01-02T00:00:00Z`); anything Go's
 *   `time.Parse` refuses (`2024-02-30`, a lower-case `z`) stays the string as written.
 * Checked side by side against hashicorp/vault-csi-provider v1.7.4 (docs/compatibility.md).
 */
import type { ScalarTag } from 'yaml';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** A plain scalar yaml.v3 reads as a timestamp: the text as written and Go's JSON of it. */
export class GoTimestamp {
  constructor(
    readonly source: string,
    /** RFC 3339 with trimmed nanoseconds, as `time.Time.MarshalJSON` writes it (without quotes). */
    readonly rfc3339: string,
  ) {}
}

function goInteger(value: bigint, source: string): number | bigint | string {
  if (value >= INT64_MIN && value <= UINT64_MAX) {
    // Number(-0n) is 0: an integer has no negative zero, in Go or here.
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  const float = Number(source);
  return Number.isFinite(float) ? float : source;
}

const decimalInteger: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?[0-9]+$/,
  resolve: (source) => goInteger(BigInt(source), source),
  identify: () => false,
};

const hexInteger: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  format: 'HEX',
  test: /^0x[0-9a-fA-F]+$/,
  resolve: (source) => goInteger(BigInt(source), source),
  identify: () => false,
};

const finiteFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  resolve: (source) => {
    const value = Number(source);
    return Number.isFinite(value) ? value : source;
  },
  identify: () => false,
};

// yaml.v3's layouts: "2006-1-2T15:4:5.999999999Z07:00", the same with a lower-case "t",
// "2006-1-2 15:4:5.999999999" (no zone) and "2006-1-2".
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[-+]\d{2}:\d{2})?)?$/;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Go's time.Parse with yaml.v3's layouts, formatted as MarshalJSON; undefined when Go refuses. */
export function goTimestampJson(source: string): string | undefined {
  const match = TIMESTAMP.exec(source);
  if (match === null) return undefined;
  const [, y, mo, d, t, space, h, mi, s, fraction, zone] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (h === undefined) return `${date}T00:00:00Z`;
  // A "T" layout needs a zone; the space layout has none.
  if ((t !== undefined && zone === undefined) || (space !== undefined && zone !== undefined)) return undefined;
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Nanoseconds: Go reads at most nine digits and writes them without trailing zeros.
  const nanos = (fraction ?? '').slice(0, 9).padEnd(9, '0').replace(/0+$/, '');
  const offset = zone === undefined || zone === 'Z' || /^[-+]00:00$/.test(zone) ? 'Z' : zone;
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 24 || Number(offset.slice(4)) > 60)) return undefined;
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${nanos === '' ? '' : `.${nanos}`}${offset}`;
}

const timestamp: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  test: /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ].*)?$/,
  resolve: (source) => {
    const rfc3339 = goTimestampJson(source);
    return rfc3339 === undefined ? source : new GoTimestamp(source, rfc3339);
  },
  identify: () => false,
};

/** Custom tags to put before the core schema's, so they win for plain scalars. */
export const GO_YAML_SCALARS: readonly ScalarTag[] = [timestamp, hexInteger, decimalInteger, finiteFloat];

/** `secretArgs` as Go would send it: timestamps become their RFC 3339 text, the rest as is. */
export function goArgumentValue(value: unknown): unknown {
  if (value instanceof GoTimestamp) return value.rfc3339;
  if (Array.isArray(value)) return value.map(goArgumentValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, goArgumentValue(item)]));
  }
  return value;
}
