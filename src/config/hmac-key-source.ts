/**
 * Chooses and loads the object-version HMAC key once at start (`-hmac-key-source`):
 * - `file`: `-hmac-key-file` (a mounted Secret or any file);
 * - `kubernetes-secret`: the Go provider's Secret `-hmac-secret-name` in the provider's namespace,
 *   created on first use, so every node (and a Go provider during a migration) agrees;
 * - `random`: a per-process key (versions change on restart and differ between nodes);
 * - `auto`: `file` when `-hmac-key-file` is set, else `kubernetes-secret` when running in a pod
 *   with a service-account token, else `random`.
 *
 * When the Secret cannot be read the provider does NOT start (unlike the Go provider, which logs
 * and serves empty versions): a version computed with another key than the other nodes' would
 * be served as if it were comparable. Transient failures (API server unavailable, timeouts) are
 * retried with backoff for about half a minute; then, and at once for permanent ones (403, a bad
 * key), start-up fails with the reason, and kubelet restarts the container with its own backoff.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOrCreateHmacKey } from '../kube/hmac-key-secret.js';
import { SERVICE_ACCOUNT_DIR } from '../kube/in-cluster.js';
import { isKubeApiError } from '../kube/kube-api-error.js';
import type { KubeClientHolder } from '../kube/kube-client-holder.js';
import type { Logger } from '../observability/logger.js';
import { loadHmacKey } from './hmac-key.js';
import type { ProviderConfig } from './provider-config.js';

/** Waits between attempts at start: about 31 s in all before giving up. */
export const HMAC_SECRET_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000, 16_000];

const TRANSIENT = new Set(['ERR_KUBE_UNAVAILABLE', 'ERR_KUBE_UNREACHABLE', 'ERR_KUBE_TIMEOUT']);

export class HmacKeyUnavailableError extends Error {
  override readonly name = 'HmacKeyUnavailableError';
}

/** A pod's view: the API server's address in the environment and a projected token file. */
export function runsInCluster(
  env: Readonly<Record<string, string | undefined>> = process.env,
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): boolean {
  const host = env.KUBERNETES_SERVICE_HOST;
  return host !== undefined && host !== '' && existsSync(join(serviceAccountDir, 'token'));
}

export interface HmacKeyContext {
  readonly logger: Logger;
  readonly kube: KubeClientHolder;
  /** Whether the provider runs in a cluster (see `runsInCluster`); decides `auto`. */
  readonly inCluster: boolean;
  readonly retryDelaysMs?: readonly number[];
}

type ConfigPart = Pick<ProviderConfig, 'hmacKeySource' | 'hmacKeyFile' | 'hmacSecretName'>;

export function effectiveHmacKeySource(
  config: ConfigPart,
  inCluster: boolean,
): 'file' | 'kubernetes-secret' | 'random' {
  if (config.hmacKeySource !== 'auto') return config.hmacKeySource;
  if (config.hmacKeyFile !== undefined) return 'file';
  return inCluster ? 'kubernetes-secret' : 'random';
}

export async function resolveHmacKey(config: ConfigPart, context: HmacKeyContext): Promise<Buffer> {
  const { logger } = context;
  const source = effectiveHmacKeySource(config, context.inCluster);
  if (source === 'file') return loadHmacKey(config.hmacKeyFile, logger);
  if (source === 'random') return loadHmacKey(undefined, logger);

  const client = await context.kube.get();
  const delays = context.retryDelaysMs ?? HMAC_SECRET_RETRY_DELAYS_MS;
  const target = { namespace: client.namespace, secretName: config.hmacSecretName };
  for (let attempt = 0; ; attempt++) {
    try {
      const key = await loadOrCreateHmacKey(client, { ...target, logger });
      logger.info({ ...target, hmacKeySource: source }, 'loaded the HMAC key for object versions');
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
