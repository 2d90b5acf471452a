/**
 * How the line-oriented formats (env, dotenv, properties) write one value: a string as is,
 * anything else (number, bool, null, list, mapping) as compact Go-style JSON, exactly as
 * `secretKey` writes a non-string value.
 */
import { goJson } from '../../../go-compat/go-json.js';

export function flatText(value: unknown): string {
  return typeof value === 'string' ? value : goJson(value);
}

/** Keys in code-unit order: stable, locale-independent. */
export function sortedKeys(data: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(data).sort();
}
