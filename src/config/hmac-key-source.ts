/**
 * Chooses where the object-version HMAC key comes from, once at start (`-hmac-key-source`):
 * - `file`: `-hmac-key-file` (a mounted Secret or any file);
 * - `kubernetes-secret`: the Go provider's Secret `-hmac-secret-name` in the provider's namespace,
 *   created on first use, so every node (and a Go provider during a migration) agrees;
 * - `random`: a per-process key (versions change on restart and differ between nodes);
 * - `auto`: `file` when `-hmac-key-file` is set, else `kubernetes-secret` when running in a pod
 *   with a service-account token, else `random`.
 *
 * The Secret is read by `kube/hmac-key-secret.ts` (`loadHmacKeyAtStart`), which the wiring
 * passes in: when it cannot be read the provider does NOT start (unlike the Go provider, which
 * logs and serves empty versions).
 */
import type { Logger } from '../observability/logger.js';
import { loadHmacKey } from './hmac-key.js';
import type { ProviderConfig } from './provider-config.js';

export interface HmacKeyContext {
  readonly logger: Logger;
  /** Whether the provider runs in a cluster (`kube/in-cluster.ts` `runsInCluster`); decides `auto`. */
  readonly inCluster: boolean;
  /** Reads (or creates) the key Secret; called only when that is the source. */
  readonly loadFromSecret: () => Promise<Buffer>;
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
  const source = effectiveHmacKeySource(config, context.inCluster);
  if (source === 'file') return loadHmacKey(config.hmacKeyFile, context.logger);
  if (source === 'random') return loadHmacKey(undefined, context.logger);
  return context.loadFromSecret();
}
