/**
 * JSON bytes as Go's `encoding/json` writes decoded values (`map[string]interface{}`, slices,
 * strings, float64, bool, nil). We match it wherever the Go provider's output is observable:
 * file contents (non-string `secretKey` values, whole-response mode) and the input of object
 * versions. Differences from `JSON.stringify`:
 * - object keys are sorted by their UTF-8 bytes (Go sorts map keys), at every depth;
 * - `<`, `>`, `&`, U+2028 and U+2029 are escaped as `\u003c` … (Go's HTML-safe default).
 * Known residual difference: Go re-encodes numbers from Vault with their original literal
 * (`json.Number`); JavaScript has already turned `1.0` into `1` and rounded integers past 2^53.
 */

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function goString(value: string): string {
  // JSON.stringify already escapes quotes, backslashes and control characters like Go does.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => GO_ESCAPES[char] ?? char);
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Encodes `value` like Go. Throws a TypeError for values Go cannot encode either (non-finite
 * numbers, functions, symbols); callers validate their input first, so that is a bug.
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return goString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('cannot encode a non-finite number as JSON');
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map((item) => goJson(item)).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort(byUtf8)
      .map((key) => `${goString(key)}:${goJson(value[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`cannot encode a value of type ${typeof value} as JSON`);
}
