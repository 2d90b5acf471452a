/**
 * `format: properties`: a Java `.properties` file that `java.util.Properties.load` (from a
 * Reader or an InputStream) reads back to the exact keys and values. One `key=value` line per
 * key, sorted, no date comment (so the bytes only change with the data). Escapes follow
 * `Properties.store`: `\\`, `\t`, `\n`, `\r`, `\f`; `=`, `:`, `#`, `!` and spaces in keys; a
 * leading space in values; everything outside printable ASCII as `\uXXXX` (UTF-16 units), so
 * the file is pure ASCII and encoding-proof.
 */
import { flatText, sortedKeys } from './flat-value.js';

const CONTROL: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f' };

function escape(text: string, isKey: boolean): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    const code = text.charCodeAt(index);
    const control = CONTROL[char];
    if (control !== undefined) out += control;
    else if (char === ' ' && (isKey || index === 0)) out += '\\ ';
    else if ('=:#!'.includes(char)) out += `\\${char}`;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out;
}

export function writeProperties(data: Readonly<Record<string, unknown>>): string {
  return sortedKeys(data)
    .map((key) => `${escape(key, true)}=${escape(flatText(data[key]), false)}\n`)
    .join('');
}
