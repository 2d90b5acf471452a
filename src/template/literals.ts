/**
 * Go literal syntax inside actions: interpreted strings (Go escapes, where `\x` and octal
 * escapes are raw bytes), raw strings, rune constants and number constants. Each function
 * returns an error message instead of throwing so the parser can position it.
 */

import { runes } from './values.js';

const SIMPLE: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

type Escape = { value: number; isByte: boolean; length: number } | { error: string };

/** Reads one escape sequence starting at `body[at] === '\\'`. */
function readEscape(body: string, at: number, quote: string): Escape {
  const kind = body[at + 1];
  if (kind === undefined) return { error: 'invalid syntax' };
  const simple = SIMPLE[kind];
  if (simple !== undefined) return { value: simple, isByte: true, length: 2 };
  if (kind === quote) return { value: quote.charCodeAt(0), isByte: true, length: 2 };
  const hex = (digits: number): Escape => {
    const text = body.slice(at + 2, at + 2 + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(text)) return { error: 'invalid syntax' };
    const value = parseInt(text, 16);
    if (digits > 2 && (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))) return { error: 'invalid syntax' };
    return { value, isByte: digits === 2, length: 2 + digits };
  };
  if (kind === 'x') return hex(2);
  if (kind === 'u') return hex(4);
  if (kind === 'U') return hex(8);
  if (kind >= '0' && kind <= '7') {
    const text = body.slice(at + 1, at + 4);
    if (!/^[0-7]{3}$/.test(text)) return { error: 'invalid syntax' };
    const value = parseInt(text, 8);
    if (value > 255) return { error: 'invalid syntax' };
    return { value, isByte: true, length: 4 };
  }
  return { error: 'invalid syntax' };
}

/** A `"…"` or raw `` `…` `` token's value; bytes from `\x`/octal escapes are decoded as UTF-8. */
export function unquoteString(token: string): { value: string } | { error: string } {
  if (token.startsWith('`')) return { value: token.slice(1, -1).replaceAll('\r', '') };
  const body = token.slice(1, -1);
  if (!body.includes('\\')) return { value: body };
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== '\\') {
      const next = body.indexOf('\\', i);
      const end = next < 0 ? body.length : next;
      for (const byte of encoder.encode(body.slice(i, end))) bytes.push(byte);
      i = end;
      continue;
    }
    const escape = readEscape(body, i, '"');
    if ('error' in escape) return { error: `invalid escape in string ${token}` };
    if (escape.isByte) bytes.push(escape.value);
    else for (const byte of encoder.encode(String.fromCodePoint(escape.value))) bytes.push(byte);
    i += escape.length;
  }
  return { value: decoder.decode(new Uint8Array(bytes)) };
}

/** A `'x'` rune constant's code point. */
export function unquoteChar(token: string): { value: number } | { error: string } {
  const body = token.slice(1, -1);
  const bad = { error: `malformed character constant: ${token}` };
  if (body.startsWith('\\')) {
    const escape = readEscape(body, 0, "'");
    if ('error' in escape || escape.length !== body.length) return bad;
    return { value: escape.value };
  }
  const chars = runes(body);
  if (chars.length !== 1 || chars[0] === "'") return bad;
  return { value: body.codePointAt(0) ?? 0 };
}

const INT_FORMS = [
  /^0[xX](_?[0-9a-fA-F])+$/,
  /^0[oO](_?[0-7])+$/,
  /^0[bB](_?[01])+$/,
  /^0(_?[0-7])*$/, // leading 0: octal, as in Go
  /^[1-9](_?[0-9])*$/,
];
const DIGITS = String.raw`[0-9](?:_?[0-9])*`;
const FLOAT_FORM = new RegExp(String.raw`^(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const INT64_MAX = 2n ** 63n - 1n;

/** A number token's value: Go int constants within int64, or decimal floats. */
export function parseNumber(token: string): { value: number } | { error: string } {
  const negative = token.startsWith('-');
  const body = token.replace(/^[+-]/, '');
  if (body.endsWith('i')) return { error: `complex numbers are not supported: ${token}` };
  if (INT_FORMS.some((form) => form.test(body))) {
    const clean = body.replaceAll('_', '');
    const big = /^0[0-7]+$/.test(clean) ? BigInt(`0o${clean.slice(1)}`) : BigInt(clean);
    if (big > INT64_MAX + (negative ? 1n : 0n)) return { error: `integer overflow: ${token}` };
    return { value: Number(negative ? -big : big) };
  }
  if (FLOAT_FORM.test(body) && /[.eE]/.test(body)) {
    const value = Number(body.replaceAll('_', ''));
    if (!Number.isFinite(value)) return { error: `number out of range: ${token}` };
    return { value: negative ? -value : value };
  }
  return { error: `illegal number syntax: ${token}` };
}
