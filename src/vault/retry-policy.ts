/**
 * When to try a Vault request again, and after how long. Retried: 429 and 5xx answers and
 * connection errors, with jittered exponential backoff ("full jitter"), or after Vault's own
 * `Retry-After` when it sends one. Never retried: other 4xx (the answer will not change), and
 * any failure that may have happened after Vault acted on a request that issues credentials
 * (docs/resilience.md, "What is never retried"): a second attempt would mint a second secret.
 */

export interface RetryOptions {
  /** Attempts after the first; 0 disables retries. */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random?: () => number;
}

export type AttemptOutcome =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number | undefined }
  /** `beforeSending`: the connection was refused or never established, so Vault saw nothing. */
  | { readonly kind: 'network'; readonly beforeSending: boolean }
  /** The answer arrived but could not be used (not JSON, too large): retrying gives the same. */
  | { readonly kind: 'unusable' };

/** Connection errors that prove the request never reached Vault. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOENT',
]);

export function failedBeforeSending(code: unknown): boolean {
  return typeof code === 'string' && NOT_SENT_CODES.has(code);
}

/**
 * `idempotent`: repeating the request has no effect beyond the first (reads, logins, renewals).
 * A POST/PUT to an issuing endpoint (pki/issue, database creds via POST) is not.
 */
export function isRetryable(outcome: AttemptOutcome, idempotent: boolean): boolean {
  if (outcome.kind === 'unusable') return false;
  if (outcome.kind === 'network') return idempotent || outcome.beforeSending;
  const { status } = outcome;
  // 429 and 503 (sealed, standby, overloaded) mean Vault did not act on the request.
  if (status === 429 || status === 503) return true;
  if (status >= 500) return idempotent;
  return false;
}

export class RetryPolicy {
  private readonly random: () => number;

  constructor(readonly options: RetryOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Delay before retry number `retry` (1-based); Vault's Retry-After wins when present. */
  delayMs(retry: number, retryAfterSeconds: number | undefined): number {
    if (retryAfterSeconds !== undefined) return Math.round(retryAfterSeconds * 1000);
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (retry - 1));
    return Math.round(this.random() * ceiling);
  }
}
