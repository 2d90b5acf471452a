/**
 * The bearer token of the provider's own service account (per process). Kubelet rotates the
 * projected token file well before it expires (at 80% of its lifetime, hourly by default), so a
 * token read once at start would fail after about an hour: the file is re-read when the cached
 * copy is older than `maxAgeMs` (client-go uses one minute too), and at once after a 401.
 * A failed re-read keeps serving the previous token: kubelet swaps the file atomically, so a read
 * error is transient, and the old token normally stays valid for a while.
 * The token is never logged and never put in an error message.
 */
import { readFile } from 'node:fs/promises';
import { KubeApiError } from './kube-api-error.js';

export interface BearerTokenSource {
  get(): Promise<string>;
  /** Forget the cached token, e.g. after a 401, so the next `get` reads the file again. */
  invalidate(): void;
}

export function fixedBearerToken(token: string): BearerTokenSource {
  if (token === '') throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'KubeClient: option token must not be empty');
  return { get: () => Promise.resolve(token), invalidate: () => undefined };
}

export interface FileBearerTokenOptions {
  readonly maxAgeMs: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export function fileBearerToken(path: string, options: FileBearerTokenOptions): BearerTokenSource {
  const now = options.now ?? Date.now;
  let cached: { token: string; readAtMs: number } | undefined;
  // One read in flight at a time: concurrent requests share it instead of each hitting the file.
  let reading: Promise<string> | undefined;

  async function read(): Promise<string> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (cached !== undefined) return cached.token;
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new KubeApiError('ERR_KUBE_CONFIG', `cannot read the service-account token file "${path}" (${code})`, {
        cause: error,
      });
    }
    const token = text.trim();
    if (token === '') {
      if (cached !== undefined) return cached.token;
      throw new KubeApiError('ERR_KUBE_CONFIG', `the service-account token file "${path}" is empty`);
    }
    cached = { token, readAtMs: now() };
    return token;
  }

  return {
    get(): Promise<string> {
      if (cached !== undefined && now() - cached.readAtMs < options.maxAgeMs) return Promise.resolve(cached.token);
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    invalidate(): void {
      if (cached !== undefined) cached = { token: cached.token, readAtMs: Number.NEGATIVE_INFINITY };
    },
  };
}
