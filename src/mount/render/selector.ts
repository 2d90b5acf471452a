/**
 * Which value of a secret an object writes (parsed once per Mount, applied once per object).
 *
 * The "secret data" is the response's `data`, KV v2 unwrapped exactly as for `secretKey`: when
 * `data.data` is a mapping, it is `data.data` (so `metadata` is not visible), else `data`.
 * - `secretKey: k`: the top-level key `k` of the secret data (the Go provider's rule);
 * - `jmesPath: expr`: a JMESPath expression (jmespath.org, the community edition's functions)
 *   evaluated against the secret data; a `null` result is "not found", as a missing key is;
 * - neither: the secret data itself (used by `format`).
 */
import { search, type JSONValue } from '@jmespath-community/jmespath';
import { SecretNotFoundError } from '../../errors.js';
import { isPlainObject } from '../../go-compat/go-json.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';

/** The secret data an object selects from: `data`, or `data.data` for KV v2. */
export function secretData(data: Record<string, unknown>): Record<string, unknown> {
  const nested = data.data;
  return isPlainObject(nested) ? nested : data;
}

function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, 20).join(', ');
  return keys.length === 0 ? 'none' : keys.length > 20 ? `${shown}, and ${keys.length - 20} more` : shown;
}

/**
 * The selected value. Errors name the object, the key or expression and the available key
 * NAMES, never values.
 */
export function selectValue(object: SecretObjectSpec, data: Record<string, unknown>): unknown {
  const source = secretData(data);
  const where = `object ${JSON.stringify(object.objectName)}`;
  if (object.secretKey !== undefined && object.secretKey !== '') {
    if (!Object.hasOwn(source, object.secretKey)) {
      throw new SecretNotFoundError(
        `${where}: key ${JSON.stringify(object.secretKey)} does not exist at ${object.secretPath} ` +
          `(available keys: ${keyList(Object.keys(source).sort())})`,
      );
    }
    return source[object.secretKey];
  }
  if (object.jmesPath !== undefined) {
    // Vault data is parsed JSON, so it is a JSONValue.
    const result = search(source as JSONValue, object.jmesPath);
    if (result === null) {
      throw new SecretNotFoundError(
        `${where}: jmesPath ${JSON.stringify(object.jmesPath)} selects nothing at ${object.secretPath} ` +
          `(top-level keys: ${keyList(Object.keys(source).sort())})`,
      );
    }
    return result;
  }
  return source;
}
