/**
 * The key of the object-version HMAC (per process). All nodes must share it so the same content
 * gives the same version everywhere; a mounted Secret provides that. Without one, a random key
 * keeps versions unguessable but they change when the provider restarts.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../observability/logger.js';
import { ConfigError } from './command-line.js';

export const HMAC_KEY_BYTES = 32;
/**
 * The one key-length rule, for the file and the Kubernetes Secret alike: shorter keys make
 * versions guessable, so they are refused (the Go provider accepts any non-empty key, but only
 * ever generates 32 bytes, so a Secret it created passes).
 */
export const MIN_HMAC_KEY_BYTES = 16;

export async function loadHmacKey(keyFile: string | undefined, logger: Logger): Promise<Buffer> {
  if (keyFile === undefined) {
    logger.warn(
      'no -hmac-key-file: using a random per-process HMAC key, so object versions change when the provider restarts and differ between nodes; mount a shared key (e.g. the vault-csi-provider-hmac-key Secret)',
    );
    return randomBytes(HMAC_KEY_BYTES);
  }
  let key: Buffer;
  try {
    key = await readFile(keyFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read -hmac-key-file "${keyFile}" (${code})`);
  }
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new ConfigError(
      `-hmac-key-file "${keyFile}" holds ${key.length} bytes; use at least ${MIN_HMAC_KEY_BYTES} (${HMAC_KEY_BYTES} random bytes recommended)`,
    );
  }
  return key;
}
