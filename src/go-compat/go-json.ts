/**
 * JSON bytes exactly as Go's `encoding/json` writes them: the one encoder of the provider, used
 * wherever Go's output is observable (file contents, the input of object versions, request
 * identity), by the template engine's `toJSON`/`toJSONPretty`, and by the driver emulator for the
 * attributes it marshals. Differences from `JSON.stringify`:
 * - map keys are sorted by their UTF-8 bytes (Go sorts map keys), at every depth;
 * - `<`, `>`, `&`, U+2028 and U+2029 are escaped as `\u003c` … (Go's HTML-safe default);
 * - a lone surrogate (invalid UTF-16) is written as U+FFFD, as Go sees invalid UTF-8;
 * - a struct (template values) keeps its fields in declaration order;
 * - `indent` gives `json.MarshalIndent(v, "", indent)`'s layout;
 * - a negative zero is written `-0`, as Go writes the float64 -0 (numbers from Vault are float64
 *   in the Go provider; YAML integers never carry a sign on zero, see go-yaml-scalars.ts);
 * - a BigInt (a 64-bit integer from YAML) is written with all its digits.
 * The Go provider decodes Vault's numbers into float64 too, so integers past 2^53 in Vault's
 * answers are rounded alike on both sides.
 */

const HTML_SAFE: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A value Go cannot encode either (a non-finite number, a function); callers validate first. */
export class GoJsonError extends TypeError {
  override readonly name = 'GoJsonError';
}

export interface GoJsonOptions {
  /** `json.MarshalIndent`'s layout with this indent (e.g. two spaces); absent: compact. */
  readonly indent?: string;
  /** Called once per value encoded (the template engine charges its step budget). */
  readonly onValue?: () => void;
  /** A Go struct's fields in declaration order, or undefined when `value` is not a struct. */
  readonly structFields?: (value: object) => Iterable<readonly [string, unknown]> | undefined;
}

/** A Go string literal in JSON: quotes, backslashes and control characters escaped as Go does. */
export function goQuote(text: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters exactly as Go (>= 1.22) does.
  return JSON.stringify(text.replace(LONE_SURROGATE, '\ufffd')).replace(
    /[<>&\u2028\u2029]/g,
    (char) => HTML_SAFE[char] ?? char,
  );
}

/**
 * Go's order of strings: by UTF-8 bytes. Comparing UTF-16 units gives the same order, except that
 * surrogates (astral code points) sort after every other BMP unit, as their UTF-8 forms do.
 */
export function compareGoStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Encodes `value` like Go. Throws GoJsonError for values Go cannot encode either. */
export function goJson(value: unknown, options: GoJsonOptions = {}): string {
  return encode(value, '\n', options);
}

function encode(value: unknown, newline: string, options: GoJsonOptions): string {
  options.onValue?.();
  switch (typeof value) {
    case 'undefined':
      return 'null';
    case 'string':
      return goQuote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new GoJsonError('unsupported value (a non-finite number)');
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      throw new GoJsonError(`unsupported value (a ${typeof value})`);
  }
  if (value === null) return 'null';
  const pretty = options.indent !== undefined;
  const inner = pretty ? `${newline}${options.indent}` : '';
  const member = ([key, item]: readonly [string, unknown]) =>
    `${goQuote(key)}${pretty ? ': ' : ':'}${encode(item, inner, options)}`;
  let members: string[];
  let brackets: '[]' | '{}' = '{}';
  if (Array.isArray(value)) {
    members = value.map((item: unknown) => encode(item, inner, options));
    brackets = '[]';
  } else if (value instanceof Map) {
    const map = value as ReadonlyMap<unknown, unknown>;
    members = [...map.keys()]
      .map(String)
      .sort(compareGoStrings)
      .map((key) => member([key, map.get(key)]));
  } else if (isPlainObject(value)) {
    members = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort(compareGoStrings)
      .map((key) => member([key, value[key]]));
  } else {
    const fields = options.structFields?.(value);
    if (fields === undefined) throw new GoJsonError(`unsupported value (a ${value.constructor.name})`);
    members = [...fields].map(member);
  }
  const [open, close] = brackets;
  if (members.length === 0) return `${open}${close}`;
  if (!pretty) return `${open}${members.join(',')}${close}`;
  return `${open}${inner}${members.join(`,${inner}`)}${newline}${close}`;
}
