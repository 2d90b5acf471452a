/**
 * `format: json` and `format: yaml`: the whole mapping with its structure, keys sorted at every
 * depth so the bytes only change when the data does.
 * - json: two-space indented, trailing newline (`JSON.parse` gives the data back);
 * - yaml: written under YAML 1.1 rules, so strings a 1.1 reader would take for something else
 *   (`yes`, `on`, `0600`, `1_000`) are quoted; YAML 1.2 readers get the same values.
 */
import { stringify } from 'yaml';
import { isPlainObject } from '../../../go-compat/go-json.js';

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (!isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) sorted[key] = sortDeep(value[key]);
  return sorted;
}

export function writeJson(data: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(sortDeep(data), null, 2)}\n`;
}

export function writeYaml(data: Readonly<Record<string, unknown>>): string {
  return stringify(sortDeep(data), {
    version: '1.1',
    sortMapEntries: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
