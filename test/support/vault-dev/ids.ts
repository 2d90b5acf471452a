/** Random identifiers in the shapes real Vault uses (tokens, accessors, lease ids, UUIDs). */
import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling keeps the distribution uniform (248 = 4 * 62).
      if (byte < 248 && out.length < length) out += BASE62[byte % 62] ?? '';
    }
  }
  return out;
}

export function uuid(): string {
  return randomUUID();
}

/** Enterprise appends `.<nsid>` to tokens and lease ids created inside a namespace (§1.3). */
export function withNamespaceSuffix(id: string, namespaceId: string): string {
  return namespaceId === '' ? id : `${id}.${namespaceId}`;
}

/** 20 random bytes as colon hex, top bit cleared so the DER INTEGER stays positive. */
export function randomSerial(): Buffer {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes;
}

export function colonHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
