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

/** Characters that may need escaping; everything else is copied as it is, in one piece. */
const SPECIAL = /[\\\t\n\r\f=:#! ]|[^\x20-\x7e]/g;

// One replace over the text rather than a string built a character at a time: a large secret
// must not turn into millions of string pieces (it ran the sandbox out of memory at 2.8 MB).
function escape(text: string, isKey: boolean): string {
  return text.replace(SPECIAL, (char: string, index: number) => {
    const control = CONTROL[char];
    if (control !== undefined) return control;
    if (char === ' ') return isKey || index === 0 ? '\\ ' : ' ';
    if ('=:#!'.includes(char)) return `\\${char}`;
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function writeProperties(data: Readonly<Record<string, unknown>>): string {
  return sortedKeys(data)
    .map((key) => `${escape(key, true)}=${escape(flatText(data[key]), false)}\n`)
    .join('');
}
