/**
 * How Go's fmt prints values (`%v`, `print`, and plain `{{ .x }}` actions), for the value model.
 * Numbers print the way consul-template prints Vault's json.Number values: integers as plain
 * digits, other numbers in shortest form (so `1e6` prints `1000000`, where Go's float64 gives
 * `1e+06`).
 */

import { GoStruct, isList, isMap, sortedKeys, type Value } from './values.js';

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isInteger(value)) {
    // String(1e21) is "1e+21"; json.Number text would be the digits.
    return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  }
  return String(value);
}

/**
 * `%v`. `charge` is called once per node so printing a huge map spends the step budget.
 * Nested structs print as `&{…}` too (Go would print a pointer address there).
 */
export function formatValue(value: Value, charge: (steps: number) => void): string {
  charge(1);
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isList(value)) return `[${value.map((item) => formatValue(item, charge)).join(' ')}]`;
  if (value instanceof GoStruct) {
    return `&{${[...value.fields.values()].map((item) => formatValue(item, charge)).join(' ')}}`;
  }
  if (isMap(value)) {
    const parts = sortedKeys(value).map((key) => `${key}:${formatValue(value.get(key), charge)}`);
    return `map[${parts.join(' ')}]`;
  }
  return '<nil>';
}

/** Go's unicode.IsPrint, close enough: letters, marks, numbers, punctuation, symbols, ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * strconv.Quote (and QuoteToASCII when `asciiOnly`): double quotes, Go escapes, lowercase hex.
 * Lone surrogates cannot occur in Go strings; they print as the replacement character.
 */
export function goQuote(text: string, asciiOnly = false): string {
  // One replace over the text: only characters that may need an escape are looked at, and the
  // result is built in one piece (a string grown a character at a time takes tens of bytes per
  // character, enough to exhaust the sandbox's heap on a 1 MB argument).
  return `"${text.replace(MAY_NEED_ESCAPE, (char) => quoteChar(char, asciiOnly))}"`;
}

/** Anything but printable ASCII other than `"` and `\`, one code point (or lone surrogate) at a time. */
const MAY_NEED_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/gu;

const ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
  0x22: '\\"',
  0x5c: '\\\\',
};

function quoteChar(ch: string, asciiOnly: boolean): string {
  let code = ch.codePointAt(0) ?? 0;
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
  const escape = ESCAPES[code];
  if (escape !== undefined) return escape;
  const char = String.fromCodePoint(code);
  if (code < 0x80 ? code >= 0x20 && code < 0x7f : !asciiOnly && PRINTABLE.test(char)) return char;
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  if (code < 0x10000) return `\\u${hex(code, 4)}`;
  return `\\U${hex(code, 8)}`;
}

/** strconv.CanBackquote: single line, no backquote, no control characters except tab. */
export function canBackquote(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(text);
}

/** Go's rune literal quoting for `%q` of an integer. */
export function goQuoteRune(code: number): string {
  if (code === 0x27) return "'\\''";
  if (code === 0x22) return `'"'`;
  const inner = goQuote(String.fromCodePoint(code));
  return `'${inner.slice(1, -1)}'`;
}
