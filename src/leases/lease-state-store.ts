/**
 * Persists the lease cache across provider restarts (per process, one file per node): a
 * DaemonSet upgrade must not make every pod's next republish mint new credentials. The file
 * holds the credentials and the Vault tokens that own them (never a pod's service-account
 * token), so it is encrypted as a whole with
 * AES-256-GCM under a 32-byte key from a mounted Secret, written atomically (temporary file,
 * then rename) a short while after changes, in a directory only we can read (0700).
 *
 * Anything wrong with the file (missing key, wrong key, corrupt, foreign format) means starting
 * with an empty cache and saying so: the cost is one new credential per object, never a failure.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { Logger } from '../observability/logger.js';
import type { CacheEntry } from './cache-entry.js';

const MAGIC = Buffer.from('VCPLS1');
const AAD = Buffer.from('vault-csi-provider lease state v1');
const FILE_NAME = 'lease-cache.state';

// secretArgs integers past 2^53 are BigInts (Go's int64/uint64), which JSON cannot carry: they
// are written as {"$bigint": "digits"} and read back. (An SPC that writes such a mapping itself
// only changes its own request after a restart.)
const BIGINT_KEY = '$bigint';
const withBigInts = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? { [BIGINT_KEY]: value.toString() } : value;
const reviveBigInts = (_key: string, value: unknown): unknown => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const digits = (value as Record<string, unknown>)[BIGINT_KEY];
  return keys.length === 1 && typeof digits === 'string' && /^-?\d+$/.test(digits) ? BigInt(digits) : value;
};

const StateSchema = z.object({
  version: z.literal(1),
  savedAtMs: z.number(),
  // Entries are our own output, authenticated by GCM: checked for shape, not field by field.
  entries: z.array(
    z.looseObject({
      key: z.string(),
      identity: z.looseObject({ pod: z.looseObject({ uid: z.string() }) }),
      lifetime: z.looseObject({ expiresAtMs: z.number() }),
      token: z.looseObject({ token: z.string() }),
    }),
  ),
});

export class StateKeyError extends Error {
  override readonly name = 'StateKeyError';
  readonly code = 'ERR_STATE_KEY';
}

/** Reads the key file: 32 raw bytes, or 32 bytes written as hex or base64 (as `kubectl create secret` stores text). */
export async function readStateKey(path: string): Promise<Buffer> {
  const raw = await readFile(path);
  if (raw.length === 32) return raw;
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(text)) return decoded;
  throw new StateKeyError(
    `-state-key-file ${path}: the key must be 32 bytes (raw, 64 hex digits, or base64), got a file of ${raw.length} bytes`,
  );
}

export interface LeaseStateStoreOptions {
  readonly dir: string;
  readonly key: Buffer;
  readonly logger: Logger;
  readonly now: () => number;
  /** Quiet time after a change before the file is written (default 1 s). */
  readonly debounceMs?: number;
  /** The entries to write, read when the write happens. */
  readonly snapshot: () => readonly CacheEntry[];
}

export class LeaseStateStore {
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaseStateStoreOptions) {
    this.path = join(options.dir, FILE_NAME);
  }

  /** Creates the state directory (0700) and reads the entries saved by the previous process. */
  async load(): Promise<CacheEntry[]> {
    try {
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      await chmod(this.options.dir, 0o700);
    } catch {
      this.warnEmpty('the state directory could not be created');
      return [];
    }
    let file: Buffer;
    try {
      file = await readFile(this.path);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return [];
      this.warnEmpty('it could not be read');
      return [];
    }
    try {
      if (!file.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('format');
      const iv = file.subarray(MAGIC.length, MAGIC.length + 12);
      const tag = file.subarray(MAGIC.length + 12, MAGIC.length + 28);
      const decipher = createDecipheriv('aes-256-gcm', this.options.key, iv);
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(file.subarray(MAGIC.length + 28)), decipher.final()]);
      const state = StateSchema.parse(JSON.parse(plain.toString('utf8'), reviveBigInts));
      return state.entries as unknown as CacheEntry[];
    } catch {
      this.warnEmpty('it is corrupt or was written with a different -state-key-file key');
      return [];
    }
  }

  /** Schedules a write; several changes within the debounce time make one write. */
  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.debounceMs ?? 1_000);
    this.timer.unref();
  }

  /** Writes now (and waits for any write in progress). Errors are logged, never thrown. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    // Never a pod's service-account token: the file holds only what renewals need (the Vault
    // token that owns each lease). A restored entry that must log in again waits for its pod's
    // next Mount, which brings a fresh token (see LeaseRenewer).
    const entries = this.options.snapshot().map((entry) => ({ ...entry, identity: { ...entry.identity, jwt: '' } }));
    const state = { version: 1, savedAtMs: this.options.now(), entries };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.options.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(state, withBigInts), 'utf8'), cipher.final()]);
    // Unique per write: two providers of one process (a restart in tests) may write at once.
    const temporary = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      this.options.logger.warn(
        { stateDir: this.options.dir, errorCode: (error as { code?: unknown }).code },
        'could not write the lease state file; cached credentials will not survive a restart',
      );
    }
  }

  private warnEmpty(why: string): void {
    this.options.logger.warn(
      { stateDir: this.options.dir },
      `the lease state file was not restored (${why}); starting with an empty lease cache: each pod's next Mount issues new credentials`,
    );
  }
}
