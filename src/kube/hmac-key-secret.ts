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
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { Logger } from '../observability/logger.js';
import type { KubeClient } from './in-cluster.js';
import { KubeApiError, isKubeApiError, parseKubeResponse, withHint } from './kube-api-error.js';
import type { KubeClientHolder } from './kube-client-holder.js';

export const HMAC_SECRET_DATA_KEY = 'key';
export const HMAC_KEY_LENGTH_BYTES = 32;

/** GET → 404 → POST → 409 → GET → 404 (deleted meanwhile) → ... gives up after this many rounds. */
const MAX_ATTEMPTS = 3;

export interface HmacKeySecretOptions {
  readonly namespace: string;
  readonly secretName: string;
  readonly logger: Logger;
  /** The caller's key-length rule (`config/hmac-key.ts`), so a Secret and a key file obey one rule. */
  readonly minKeyBytes: number;
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
        return keyFrom(parseKubeResponse(SecretSchema, body, `GET ${ref}`), ref, options);
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

function keyFrom(secret: z.infer<typeof SecretSchema>, ref: string, options: HmacKeySecretOptions): Buffer {
  const { namespace, secretName, minKeyBytes } = options;
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
  if (key.length < minKeyBytes) {
    // A short key would make versions guessable.
    throw new KubeApiError(
      'ERR_KUBE_HMAC_KEY_INVALID',
      `${ref} holds a ${key.length}-byte key in data.${HMAC_SECRET_DATA_KEY}; at least ${minKeyBytes} bytes are ` +
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

/** Waits between attempts at start: about 31 s in all before giving up. */
export const HMAC_SECRET_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000, 16_000];

const TRANSIENT = new Set(['ERR_KUBE_UNAVAILABLE', 'ERR_KUBE_TIMEOUT']);

/**
 * The provider cannot start: a version computed with another key than the other nodes' would be
 * served as if it were comparable. The message names the Secret, the cause and the way out.
 */
export class HmacKeyUnavailableError extends Error {
  override readonly name = 'HmacKeyUnavailableError';
}

export interface HmacKeyAtStartOptions {
  readonly secretName: string;
  readonly logger: Logger;
  readonly minKeyBytes: number;
  readonly retryDelaysMs?: readonly number[];
}

/**
 * `loadOrCreateHmacKey` in the provider's own namespace, once at start: transient failures (API
 * server unavailable, timeouts) are retried with backoff; then, and at once for permanent ones
 * (403, a bad key), it throws HmacKeyUnavailableError and kubelet restarts the container.
 */
export async function loadHmacKeyAtStart(kube: KubeClientHolder, options: HmacKeyAtStartOptions): Promise<Buffer> {
  const { logger } = options;
  const client = await kube.get();
  const delays = options.retryDelaysMs ?? HMAC_SECRET_RETRY_DELAYS_MS;
  const target = { namespace: client.namespace, secretName: options.secretName };
  for (let attempt = 0; ; attempt++) {
    try {
      const key = await loadOrCreateHmacKey(client, { ...target, logger, minKeyBytes: options.minKeyBytes });
      logger.info({ ...target, hmacKeySource: 'kubernetes-secret' }, 'loaded the HMAC key for object versions');
      return key;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = delays[attempt];
      if (delay === undefined || !isKubeApiError(error) || !TRANSIENT.has(error.code)) {
        throw new HmacKeyUnavailableError(
          `cannot load the HMAC key for object versions (Secret "${target.namespace}/${target.secretName}"): ${message}; ` +
            'the provider does not serve mounts with a key the other nodes do not share (set -hmac-key-source=random to accept per-process versions)',
          { cause: error },
        );
      }
      logger.warn(
        { ...target, attempt: attempt + 1, retryInMs: delay, error: message },
        'HMAC key Secret not readable yet; retrying',
      );
      await sleep(delay);
    }
  }
}
