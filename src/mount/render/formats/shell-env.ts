/**
 * `format: env` and `format: dotenv`: one `KEY=value` line per top-level key, keys sorted by
 * code unit so the bytes (and the object version) change only when the data does.
 *
 * - `env` is POSIX shell: `KEY='value'` with every `'` written as `'\''`; nothing inside single
 *   quotes is special, so `set -a; . ./app.env; set +a` yields the exact values (newlines too).
 * - `dotenv` is the double-quoted dotenv dialect of python-dotenv and similar parsers:
 *   `KEY="value"` with `\\`, `\"`, `\n`, `\r`, `\t` (Node's --env-file does not unescape `\"`).
 * Keys must be shell identifiers (`[A-Za-z_][A-Za-z0-9_]*`) and values cannot hold NUL: no
 * shell variable can carry either, so such data is an error instead of a silently wrong file.
 * Errors name the key (cut to a readable length), never a value: they become pod events.
 */
import { InvalidParameterError } from '../../../errors.js';
import { shownText } from '../../parse/shown-text.js';
import { flatText, sortedKeys } from './flat-value.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkEntry(format: string, key: string, value: string, label: string): void {
  if (!IDENTIFIER.test(key)) {
    throw new InvalidParameterError(
      `${label}: key ${shownText(key)} cannot be written as format ${format}: keys must be shell identifiers ` +
        `([A-Za-z_][A-Za-z0-9_]*); use format json, yaml or properties, or select other keys with jmesPath`,
    );
  }
  if (value.includes('\0')) {
    throw new InvalidParameterError(
      `${label}: the value of key ${shownText(key)} contains a NUL character, which format ${format} cannot hold`,
    );
  }
}

export function writeEnv(data: Readonly<Record<string, unknown>>, label: string): string {
  return sortedKeys(data)
    .map((key) => {
      const value = flatText(data[key]);
      checkEntry('env', key, value, label);
      return `${key}='${value.replace(/'/g, `'\\''`)}'\n`;
    })
    .join('');
}

const DOTENV_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

export function writeDotenv(data: Readonly<Record<string, unknown>>, label: string): string {
  return sortedKeys(data)
    .map((key) => {
      const value = flatText(data[key]);
      checkEntry('dotenv', key, value, label);
      return `${key}="${value.replace(/[\\"\n\r\t]/g, (char) => DOTENV_ESCAPES[char] ?? char)}"\n`;
    })
    .join('');
}
