/**
 * One object's file bytes from the Vault response it was planned onto. Pure; called once per
 * object per Mount.
 *
 * With `secretKey` (as the Go provider): the key is looked up in `data`, descending into
 * `data.data` when that is a mapping (KV v2 auto-detection; a KV v1 secret with a key literally
 * named `data` holding a mapping is read the same way, as in Go). A string is written as is;
 * any other value (number, bool, mapping, list, null) as compact Go-style JSON. Then `encoding`
 * DECODES the value: `base64`/`hex` mean the value is stored encoded in Vault and the file gets
 * the decoded bytes (Go: `base64.StdEncoding.DecodeString`, `hex.DecodeString`). Encoding only
 * applies with `secretKey`, as in Go.
 *
 * Without `secretKey` (whole-response mode) we write the envelope as compact JSON in the Go
 * provider's field order (`request_id, lease_id, lease_duration, renewable, data, warnings`,
 * then `auth`, `wrap_info`, `mount_type` when set), with one DELIBERATE DIFFERENCE:
 * `request_id` and `lease_id` are written as "". They change on every read, so under Go the
 * file and its version changed on every rotation poll even when the data did not
 * (hashicorp/vault-csi-provider#474), which restarted workloads through Reloader-style tools.
 * Everything else is the same bytes as Go for the same data, except that `auth`/`wrap_info`
 * (never present on ordinary reads) are written with sorted keys rather than Go's struct order,
 * and numbers lose their original literal (see go-compat/go-json.ts).
 */
import { SecretNotFoundError } from '../../errors.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import { decodeEncoding } from './decode-encoding.js';
import { goJson, isPlainObject } from '../../go-compat/go-json.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';

/** Key names listed in a "key not found" message at most; the rest are counted. */
const MAX_LISTED_KEYS = 20;

function label(object: SecretObjectSpec): string {
  return `object ${JSON.stringify(object.objectName)}`;
}

function noDataError(object: SecretObjectSpec, secret: VaultSecret): SecretNotFoundError {
  const warnings = (secret.warnings ?? []).filter((warning) => typeof warning === 'string');
  const detail =
    warnings.length > 0
      ? `; Vault said: ${warnings.join(' ')}`
      : '; check the path (KV v2 paths need "data/", e.g. secret/data/app) and that the secret exists';
  return new SecretNotFoundError(`${label(object)}: Vault returned no data for ${object.secretPath}${detail}`);
}

function listKeys(keys: readonly string[]): string {
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, MAX_LISTED_KEYS).join(', ');
  return keys.length > MAX_LISTED_KEYS ? `${shown}, and ${keys.length - MAX_LISTED_KEYS} more` : shown;
}

function renderKey(object: SecretObjectSpec, secretKey: string, data: Record<string, unknown>): Buffer {
  const nested = data.data;
  const source = isPlainObject(nested) ? nested : data;
  if (!Object.hasOwn(source, secretKey)) {
    throw new SecretNotFoundError(
      `${label(object)}: key ${JSON.stringify(secretKey)} does not exist at ${object.secretPath} ` +
        `(available keys: ${listKeys(Object.keys(source).sort())})`,
    );
  }
  const value = source[secretKey];
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(goJson(value), 'utf8');
  return decodeEncoding(object, bytes, `the value of key ${JSON.stringify(secretKey)} at ${object.secretPath}`);
}

function renderWholeResponse(secret: VaultSecret, data: Record<string, unknown>): Buffer {
  const members = [
    '"request_id":""',
    '"lease_id":""',
    `"lease_duration":${goJson(secret.lease_duration ?? 0)}`,
    `"renewable":${goJson(secret.renewable ?? false)}`,
    `"data":${goJson(data)}`,
    `"warnings":${goJson(secret.warnings ?? null)}`,
  ];
  if (secret.auth !== undefined && secret.auth !== null) members.push(`"auth":${goJson(secret.auth)}`);
  if (secret.wrap_info !== undefined && secret.wrap_info !== null)
    members.push(`"wrap_info":${goJson(secret.wrap_info)}`);
  if (typeof secret.mount_type === 'string' && secret.mount_type !== '') {
    members.push(`"mount_type":${goJson(secret.mount_type)}`);
  }
  return Buffer.from(`{${members.join(',')}}`, 'utf8');
}

/**
 * The file contents of `object` from `secret`. Throws SecretNotFoundError when Vault returned
 * no data or the key is missing (naming the available key NAMES, never values), and
 * InvalidParameterError when the value does not match the declared `encoding`.
 */
export function renderObject(object: SecretObjectSpec, secret: VaultSecret): Buffer {
  const data = secret.data;
  // Go fails both modes on a nil `data` ("empty response"); so do we, with the reason.
  if (!isPlainObject(data)) throw noDataError(object, secret);
  if (object.secretKey === undefined || object.secretKey === '') return renderWholeResponse(secret, data);
  return renderKey(object, object.secretKey, data);
}
