/**
 * The object-version HMAC key shared by every node, kept in a Kubernetes Secret exactly as the Go
 * provider keeps it (`internal/hmac/hmac.go`), so both providers (and a rollout from one to the
 * other) produce the same versions: Secret `<secretName>` in the provider's namespace, data key
 * `key`, 32 random bytes, `immutable: true`.
 *
 * Get it; if it does not exist, create it; if another node created it first (409), get it again.
 * Unlike the Go provider (one GET per Mount) this runs once per process and the caller keeps the
 * key: the Secret is immutable, and deleting it (to rotate) is followed by a provider restart.
 * The key bytes never reach a log line or an error message.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MIN_HMAC_KEY_BYTES } from '../config/hmac-key.js';
import type { Logger } from '../observability/logger.js';
import type { KubeClient } from './in-cluster.js';
import { KubeApiError, isKubeApiError, parseKubeResponse, withHint } from './kube-api-error.js';

export const HMAC_SECRET_DATA_KEY = 'key';
export const HMAC_KEY_LENGTH_BYTES = 32;

/** GET → 404 → POST → 409 → GET → 404 (deleted meanwhile) → ... gives up after this many rounds. */
const MAX_ATTEMPTS = 3;

export interface HmacKeySecretOptions {
  readonly namespace: string;
  readonly secretName: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

// Only `data` matters; `data` is absent when the Secret has no keys at all.
const SecretSchema = z.looseObject({
  kind: z.literal('Secret').optional(),
  data: z.record(z.string(), z.string()).nullish(),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export async function loadOrCreateHmacKey(client: KubeClient, options: HmacKeySecretOptions): Promise<Buffer> {
  const { namespace, secretName, logger } = options;
  const ref = `Secret "${namespace}/${secretName}"`;
  const itemPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`;
  const collectionPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };

  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const { body } = await client.request('GET', itemPath, signalOption);
        return keyFrom(parseKubeResponse(SecretSchema, body, `GET ${ref}`), ref, namespace, secretName);
      } catch (error) {
        if (!isKubeApiError(error, 'ERR_KUBE_NOT_FOUND')) throw error;
      }

      const key = randomBytes(HMAC_KEY_LENGTH_BYTES);
      try {
        await client.request('POST', collectionPath, { ...signalOption, body: secretManifest(secretName, key) });
        logger.info({ namespace, secretName }, 'created the HMAC key Secret for object versions');
        return key;
      } catch (error) {
        if (!isKubeApiError(error, 'ERR_KUBE_CONFLICT')) throw error;
        // Another node created it between our GET and POST: use theirs so versions agree.
        logger.debug({ namespace, secretName, attempt }, 'HMAC key Secret created concurrently; reading it');
      }
    }
  } catch (error) {
    throw withRbacHint(error, ref, namespace, secretName);
  }
  throw new KubeApiError(
    'ERR_KUBE_CONFLICT',
    `${ref}: it was created and deleted repeatedly while loading the HMAC key (${MAX_ATTEMPTS} attempts); retry later`,
  );
}

function secretManifest(name: string, key: Buffer): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    immutable: true,
    type: 'Opaque',
    data: { [HMAC_SECRET_DATA_KEY]: key.toString('base64') },
  };
}

function keyFrom(secret: z.infer<typeof SecretSchema>, ref: string, namespace: string, secretName: string): Buffer {
  const encoded = secret.data?.[HMAC_SECRET_DATA_KEY] ?? '';
  const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length === 0) {
    throw new KubeApiError(
      'ERR_KUBE_HMAC_KEY_INVALID',
      `${ref} has no usable data.${HMAC_SECRET_DATA_KEY} (missing, empty or not base64); delete it ` +
        `(kubectl -n ${namespace} delete secret ${secretName}) and restart the provider so it is regenerated; ` +
        `all object versions will change once`,
    );
  }
  if (key.length < MIN_HMAC_KEY_BYTES) {
    // The same rule as -hmac-key-file: a short key would make versions guessable.
    throw new KubeApiError(
      'ERR_KUBE_HMAC_KEY_INVALID',
      `${ref} holds a ${key.length}-byte key in data.${HMAC_SECRET_DATA_KEY}; at least ${MIN_HMAC_KEY_BYTES} bytes are ` +
        `needed: delete it (kubectl -n ${namespace} delete secret ${secretName}) and restart the provider so a ` +
        `${HMAC_KEY_LENGTH_BYTES}-byte key is generated; all object versions will change once`,
    );
  }
  return key;
}

function withRbacHint(error: unknown, ref: string, namespace: string, secretName: string): unknown {
  if (!isKubeApiError(error, 'ERR_KUBE_FORBIDDEN')) return error;
  return withHint(
    error,
    `${ref}: forbidden; the provider's service account needs a Role in namespace "${namespace}" allowing ` +
      `"get" on secrets with resourceNames ["${secretName}"] and "create" on secrets ` +
      `(create cannot be restricted by name) (${error.message})`,
  );
}
