/**
 * `format`: the selected mapping (the whole secret data, or what `secretKey`/`jmesPath` picked)
 * written as one file. See docs/formats.md.
 */
import { InvalidParameterError } from '../../../errors.js';
import { isPlainObject } from '../../../go-compat/go-json.js';
import type { OutputFormat } from '../../spec/mount-spec.js';
import { writeProperties } from './properties.js';
import { writeDotenv, writeEnv } from './shell-env.js';
import { writeJson, writeYaml } from './structured.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** `label` names the object in errors (`object "app.env"`). */
export function writeFormat(format: OutputFormat, value: unknown, label: string): string {
  if (!isPlainObject(value)) {
    throw new InvalidParameterError(
      `${label}: format ${format} needs a mapping of keys to values, but the selection is ${describe(value)}`,
    );
  }
  switch (format) {
    case 'env':
      return writeEnv(value, label);
    case 'dotenv':
      return writeDotenv(value, label);
    case 'json':
      return writeJson(value);
    case 'yaml':
      return writeYaml(value);
    case 'properties':
      return writeProperties(value);
  }
}
