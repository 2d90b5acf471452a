/**
 * consul-template's helper functions with its names and argument order (the piped value comes
 * last, so `{{ .Data.x | trimPrefix "p" }}` works), plus sprig-style hasPrefix, hasSuffix and
 * keys. Differences: `join` accepts any list (Go needs []string, which JSON lists never are),
 * decoded base64 is read as UTF-8 (invalid bytes become U+FFFD), and case mapping is
 * JavaScript's (full Unicode mapping).
 */

import { createHash } from 'node:crypto';
import { stringify as yamlStringify } from 'yaml';
import { checkLength, chargeText, intArg, stringArg, type CallContext, type FunctionImpl } from './arguments.js';
import { FunctionFailure } from './errors.js';
import { formatValue } from './go-format.js';
import { compareGoStrings, goJson, GoJsonError } from '../go-compat/go-json.js';
import { GoStruct, importJson, isList, isMap, runes, sortedKeys, type Value } from './values.js';

/** Go's unicode.IsSpace set, used by strings.TrimSpace. */
const GO_SPACE =
  '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function trimSet(text: string, cutset: ReadonlySet<string>, left: boolean, right: boolean): string {
  const chars = runes(text);
  let start = 0;
  let end = chars.length;
  while (left && start < end && cutset.has(chars[start] ?? '')) start++;
  while (right && end > start && cutset.has(chars[end - 1] ?? '')) end--;
  return chars.slice(start, end).join('');
}

function trimSpace(text: string): string {
  return trimSet(text, new Set(GO_SPACE), true, true);
}

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL = /^(?:[A-Za-z0-9\-_]{4})*(?:[A-Za-z0-9\-_]{2}==|[A-Za-z0-9\-_]{3}=)?$/;

/** Go's padded base64 decoders: strict alphabet and padding; CR and LF are ignored. */
function base64Decode(name: string, text: string, url: boolean): string {
  const clean = text.replace(/[\r\n]/g, '');
  if (!(url ? URL : STD).test(clean)) throw new FunctionFailure(`${name}: illegal base64 data`);
  return Buffer.from(clean, url ? 'base64url' : 'base64').toString('utf8');
}

function base64Encode(text: string, url: boolean): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  return url ? encoded.replaceAll('+', '-').replaceAll('/', '_') : encoded;
}

/** consul-template's `in`: substring of a string, or an equal number/string element of a list. */
function contains(needle: Value, haystack: Value, context: CallContext): boolean {
  if (typeof haystack === 'string') {
    chargeText(context, haystack.length);
    return typeof needle === 'string' && haystack.includes(needle);
  }
  if (isList(haystack)) {
    context.charge(haystack.length);
    return haystack.some(
      (item) =>
        (typeof item === 'number' || typeof item === 'string') && typeof item === typeof needle && item === needle,
    );
  }
  return false;
}

function indent(context: CallContext, spaces: number, text: string): string {
  if (spaces < 0) throw new FunctionFailure('indent value must be a positive integer');
  const lines = text.split('\n');
  checkLength(context, text.length + spaces * lines.length);
  const prefix = ' '.repeat(spaces);
  return lines.map((line) => (line === '' ? '' : prefix + line)).join('\n');
}

function replaceAll(context: CallContext, from: string, to: string, text: string): string {
  if (from !== '') {
    const count = text.split(from).length - 1;
    checkLength(context, text.length + count * Math.max(to.length - from.length, 0));
    return text.replaceAll(from, to);
  }
  // Go inserts `to` before every rune and at the end; JavaScript would split surrogate pairs.
  const chars = runes(text);
  checkLength(context, text.length + (chars.length + 1) * to.length);
  return to + chars.map((char) => char + to).join('');
}

function split(separator: string, text: string): string[] {
  const trimmed = trimSpace(text);
  if (trimmed === '') return [];
  return separator === '' ? runes(trimmed) : trimmed.split(separator);
}

function join(context: CallContext, separator: string, list: Value): string {
  if (list === null || list === undefined) return '';
  if (!isList(list)) throw new FunctionFailure('wrong type for value; expected a list');
  context.charge(list.length);
  const parts = list.map((item) => (typeof item === 'string' ? item : formatValue(item, context.charge)));
  // Checked before joining: one string past the limit must never be allocated (see arguments.ts).
  checkLength(
    context,
    parts.reduce((total, part) => total + part.length, separator.length * Math.max(parts.length - 1, 0)),
  );
  return parts.join(separator);
}

function keys(context: CallContext, value: Value): string[] {
  if (value === null || value === undefined) return [];
  if (!isMap(value)) throw new FunctionFailure('keys expects a map');
  context.charge(value.size);
  return sortedKeys(value);
}

function parseJson(context: CallContext, text: string): Value {
  if (text === '') return new Map<string, Value>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which may be secret.
    throw new FunctionFailure('parseJSON: input is not valid JSON');
  }
  return importJson(parsed, context.charge);
}

/** Plain JS data for the YAML library; keys are sorted by `sortMapEntries` below. */
function toYamlData(value: Value, context: CallContext): unknown {
  context.charge(1);
  if (value === undefined) return null;
  if (isList(value)) return value.map((item) => toYamlData(item, context));
  if (value instanceof GoStruct) {
    // yaml.v2 names struct fields in lower case.
    return Object.fromEntries([...value.fields].map(([name, item]) => [name.toLowerCase(), toYamlData(item, context)]));
  }
  if (isMap(value)) return Object.fromEntries([...value].map(([key, item]) => [key, toYamlData(item, context)]));
  return value;
}

function pairKey(pair: unknown): string {
  // The library hands over Pair objects whose key is a Scalar node.
  const key = (pair as { key?: { value?: unknown } }).key?.value;
  return typeof key === 'string' ? key : '';
}

function toYaml(context: CallContext, value: Value): string {
  // YAML 1.1 quoting (as yaml.v2) so `yes`/`on`/`n` stay strings; keys in Go's byte order (a JS
  // object would put "9" before "10"); no line folding, which would split long secrets.
  const text = yamlStringify(toYamlData(value, context), {
    version: '1.1',
    indentSeq: false,
    lineWidth: 0,
    sortMapEntries: (a, b) => compareGoStrings(pairKey(a), pairKey(b)),
  });
  return text.trim();
}

const one =
  (fn: (text: string) => string): FunctionImpl =>
  (_context, [a]) =>
    fn(stringArg(a));
const two =
  (fn: (first: string, text: string) => Value): FunctionImpl =>
  (_context, [a, b]) =>
    fn(stringArg(a), stringArg(b));

/** consul-template's toJSON / toJSONPretty: Go's json.Marshal and MarshalIndent (two spaces). */
function toJson(context: CallContext, value: Value, pretty: boolean): string {
  try {
    return goJson(value ?? null, {
      ...(pretty ? { indent: '  ' } : {}),
      onValue: () => context.charge(1),
      structFields: (item) => (item instanceof GoStruct ? item.fields : undefined),
    });
  } catch (error) {
    if (error instanceof GoJsonError) throw new FunctionFailure(`json: ${error.message}`);
    throw error;
  }
}

export const CONSUL_FUNCTIONS: ReadonlyMap<string, FunctionImpl> = new Map<string, FunctionImpl>([
  ['base64Encode', one((text) => base64Encode(text, false))],
  ['base64URLEncode', one((text) => base64Encode(text, true))],
  ['base64Decode', one((text) => base64Decode('base64Decode', text, false))],
  ['base64URLDecode', one((text) => base64Decode('base64URLDecode', text, true))],
  ['contains', (context, [needle, haystack]) => contains(needle, haystack, context)],
  ['indent', (context, [spaces, text]) => indent(context, intArg(spaces), stringArg(text))],
  ['join', (context, [separator, list]) => join(context, stringArg(separator), list)],
  ['keys', (context, [map]) => keys(context, map)],
  ['parseJSON', (context, [text]) => parseJson(context, stringArg(text))],
  ['replaceAll', (context, [from, to, text]) => replaceAll(context, stringArg(from), stringArg(to), stringArg(text))],
  ['sha256Hex', one((text) => createHash('sha256').update(text, 'utf8').digest('hex'))],
  ['split', two((separator, text) => split(separator, text))],
  ['toJSON', (context, [value]) => toJson(context, value, false)],
  ['toJSONPretty', (context, [value]) => toJson(context, value, true)],
  ['toYAML', (context, [value]) => toYaml(context, value)],
  ['toLower', one((text) => text.toLowerCase())],
  ['toUpper', one((text) => text.toUpperCase())],
  ['trim', two((cutset, text) => trimSet(text, new Set(cutset), true, true))],
  ['trimPrefix', two((prefix, text) => (text.startsWith(prefix) ? text.slice(prefix.length) : text))],
  [
    'trimSuffix',
    two((suffix, text) => (suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text)),
  ],
  ['trimSpace', one(trimSpace)],
  ['hasPrefix', two((prefix, text) => text.startsWith(prefix))],
  ['hasSuffix', two((suffix, text) => text.endsWith(suffix))],
]);
