/**
 * Objects → the unique Vault requests of one Mount (the plan lives for that Mount only).
 *
 * Two objects share a request exactly when method, normalised path, query and `secretArgs`
 * are equal. So `username` and `password` read from one `database/creds/...` path come from
 * one lease (they must match), and two `pki/issue/...` objects with different `common_name`
 * never share a certificate. The Go provider keyed its per-mount cache by the raw path string
 * and method only: it shared PKI responses across different args and did not share between
 * `secret/x` and `/v1/secret/x`; both are fixed here.
 */
import type { VaultRequest } from '../vault/vault-request.js';
import { goJson } from '../go-compat/go-json.js';
import type { SecretObjectSpec } from './spec/mount-spec.js';
import { normaliseSecretPath } from './parse/secret-path.js';
import { templateReads } from './parse/template-source.js';

export interface RequestPlan {
  /** Unique requests, in the order their first object appears. */
  readonly requests: readonly VaultRequest[];
  /** objectName → `VaultRequest.key` of the request that object is rendered from (template objects: none; see render-planned.ts). */
  readonly requestKeyByObject: ReadonlyMap<string, string>;
  /** objectName → keys of the requests a template object reads (its `secret` calls). */
  readonly templateKeysByObject: ReadonlyMap<string, readonly string[]>;
}

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace (Go's encoding, so equal
 * values always give equal text). Used for request identity; never logged, since `secretArgs`
 * values may be sensitive.
 */
export function canonicalJson(value: unknown): string {
  return goJson(value);
}

function requestKey(method: string, path: string, query: Readonly<Record<string, string>>, body: unknown): string {
  const sortedQuery = Object.keys(query)
    .sort()
    .map((name) => [name, query[name]]);
  return canonicalJson([method, path, sortedQuery, body ?? null]);
}

/** The request for one read (a template's `secret` call); same identity as an object's. */
export function plannedRequest(
  method: string,
  secretPath: string,
  body: Readonly<Record<string, unknown>> | undefined,
  label: string,
): VaultRequest {
  const { path, query } = normaliseSecretPath(secretPath, label);
  const key = requestKey(method, path, query, body);
  return { method, path, query, ...(body === undefined ? {} : { body }), key };
}

export function planRequests(objects: readonly SecretObjectSpec[]): RequestPlan {
  const requestsByKey = new Map<string, VaultRequest>();
  const requestKeyByObject = new Map<string, string>();
  const templateKeysByObject = new Map<string, string[]>();
  objects.forEach((object, index) => {
    if (object.template !== undefined) {
      // A template object depends on every request its `secret` calls name; it has no single key.
      const label = `object ${JSON.stringify(object.objectName)} (objects[${index}])`;
      for (const read of templateReads(object)) {
        const request = plannedRequest(read.method, read.secretPath, read.body, label);
        if (!requestsByKey.has(request.key)) requestsByKey.set(request.key, request);
        const keys = templateKeysByObject.get(object.objectName) ?? [];
        templateKeysByObject.set(object.objectName, [...keys, request.key]);
      }
      return;
    }
    const { path, query } = normaliseSecretPath(
      object.secretPath,
      `object ${JSON.stringify(object.objectName)} (objects[${index}])`,
    );
    const key = requestKey(object.method, path, query, object.secretArgs);
    if (!requestsByKey.has(key)) {
      requestsByKey.set(key, {
        method: object.method,
        path,
        query,
        ...(object.secretArgs === undefined ? {} : { body: object.secretArgs }),
        key,
      });
    }
    requestKeyByObject.set(object.objectName, key);
  });
  return { requests: [...requestsByKey.values()], requestKeyByObject, templateKeysByObject };
}
