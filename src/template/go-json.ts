/**
 * JSON as Go's encoding/json writes it (consul-template's toJSON / toJSONPretty): map keys
 * sorted bytewise, `<`, `>`, `&`, U+2028 and U+2029 escaped, structs with their Go field names
 * in declaration order, and MarshalIndent's layout for the pretty form.
 */

import { FunctionFailure } from './errors.js';
import { GoStruct, isList, isMap, sortedKeys, type Value } from './values.js';

const HTML_SAFE: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function jsonString(text: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters as Go does; lone
  // surrogates come out as \udXXX where Go would write U+FFFD, so replace them first.
  const wellFormed = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return JSON.stringify(wellFormed).replace(/[<>&\u2028\u2029]/g, (char) => HTML_SAFE[char] ?? char);
}

export function goJson(value: Value, pretty: boolean, charge: (steps: number) => void): string {
  return encode(value, pretty ? '\n' : '', pretty, charge);
}

function encode(value: Value, newline: string, pretty: boolean, charge: (steps: number) => void): string {
  charge(1);
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new FunctionFailure('json: unsupported value (a non-finite number)');
    return JSON.stringify(value);
  }
  const inner = pretty ? `${newline}  ` : '';
  const colon = pretty ? ': ' : ':';
  let members: string[];
  let open: string;
  let close: string;
  if (isList(value)) {
    members = value.map((item) => encode(item, inner, pretty, charge));
    [open, close] = ['[', ']'];
  } else if (value instanceof GoStruct) {
    members = [...value.fields].map(
      ([name, item]) => `${jsonString(name)}${colon}${encode(item, inner, pretty, charge)}`,
    );
    [open, close] = ['{', '}'];
  } else if (isMap(value)) {
    members = sortedKeys(value).map(
      (key) => `${jsonString(key)}${colon}${encode(value.get(key), inner, pretty, charge)}`,
    );
    [open, close] = ['{', '}'];
  } else {
    return 'null';
  }
  if (members.length === 0) return `${open}${close}`;
  if (!pretty) return `${open}${members.join(',')}${close}`;
  return `${open}${inner}${members.join(`,${inner}`)}${newline}${close}`;
}
