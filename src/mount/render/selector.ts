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
import { InvalidParameterError, ResourceLimitError, SecretNotFoundError } from '../../errors.js';
import { isPlainObject } from '../../go-compat/go-json.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';
import './jmespath-limits.js';

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
    const result = evaluate(object, source, where);
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

/**
 * Library messages that name types, arities and functions only. Anything else the evaluation
 * throws is described by its type: a message of unknown origin could quote the secret data.
 */
const SAFE_JMESPATH_MESSAGE =
  /^(Invalid type|Invalid arity|invalid-value|invalid-type|invalid value|not-a-number|Unknown function)\b/;

function evaluate(object: SecretObjectSpec, source: Record<string, unknown>, where: string): unknown {
  const expression = JSON.stringify(object.jmesPath);
  try {
    // Vault data is parsed JSON, so it is a JSONValue.
    return search(source as JSONValue, object.jmesPath ?? '');
  } catch (error) {
    if (error instanceof ResourceLimitError) {
      throw new ResourceLimitError(`${where}: jmesPath ${expression}: ${error.message}; select less data`);
    }
    if (error instanceof RangeError) {
      // A string or array past what the engine can hold (pad_*, replace with a huge count): a
      // budget, like the sandbox's memory limit that catches what V8 does not.
      throw new ResourceLimitError(
        `${where}: jmesPath ${expression} built a value larger than the engine allows (${error.name}); select less data`,
      );
    }
    const message = error instanceof Error && SAFE_JMESPATH_MESSAGE.test(error.message) ? error.message : undefined;
    throw new InvalidParameterError(
      `${where}: jmesPath ${expression} failed on the data at ${object.secretPath}: ${message ?? (error instanceof Error ? error.name : 'error')}`,
    );
  }
}
