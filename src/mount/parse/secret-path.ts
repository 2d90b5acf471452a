/**
 * `secretPath` → the Vault API path and query of the request, normalised like the Go provider:
 * `secret/foo`, `/secret/foo`, `v1/secret/foo` and `/v1/secret/foo` all become `/v1/secret/foo`
 * (`v2/x` becomes `/v1/v2/x`), and a `?query` suffix becomes query parameters (`?version=1` for
 * KV v2). Paths that could escape the intended endpoint once an HTTP client or a proxy
 * normalises them (`.`/`..` segments, also percent-encoded, `..%2f` included; backslashes, which
 * WHATWG URLs treat as `/`; `#`) are rejected.
 */
import { InvalidParameterError } from '../../errors.js';
import { hasDotSegment } from '../../vault/request-url.js';

export interface NormalisedSecretPath {
  /** Always starts with `/v1/`; no query string; characters as the user wrote them. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

/** `label` names the object in messages, e.g. `object "db" (objects[1])`. */
export function normaliseSecretPath(secretPath: string, label: string): NormalisedSecretPath {
  const fail = (why: string): never => {
    throw new InvalidParameterError(`${label}: secretPath ${why}`);
  };
  if (secretPath.trim() === '') fail('must not be empty; write the Vault path to read, e.g. secret/data/app');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
  if (/[\u0000-\u001f\u007f]/.test(secretPath)) fail('must not contain control characters');
  if (secretPath.includes('\\')) fail('must not contain a backslash');
  if (secretPath.includes('#')) fail('must not contain "#"');

  const queryStart = secretPath.indexOf('?');
  const rawPath = queryStart === -1 ? secretPath : secretPath.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : secretPath.slice(queryStart + 1);

  let relative = rawPath.replace(/^\/+/, '');
  if (relative.startsWith('v1/')) relative = relative.slice('v1/'.length);
  if (relative.replace(/\/+/g, '') === '') fail('must name a path below /v1/, e.g. secret/data/app');
  if (hasDotSegment(relative)) fail('must not contain "." or ".." segments (also percent-encoded)');

  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (Object.hasOwn(query, key)) fail(`has the query parameter "${key}" more than once`);
    Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { path: `/v1/${relative}`, query };
}
