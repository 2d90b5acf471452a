/**
 * The one error class of `src/kube/`. Callers branch on `code` (e.g. `ERR_KUBE_NOT_FOUND` → create
 * the HMAC key Secret, `ERR_KUBE_GONE` → re-list pods), never on the message. When the API server
 * answered with a `Status` object, `status` is the HTTP code and `reason` the Status reason
 * (`NotFound`, `AlreadyExists`, `Forbidden`, `Expired`, ...).
 *
 * Messages name the method, the path and the server's own message; never a bearer token, a
 * request body or a response body (a Secret's data must not end up in a log line).
 * This is not a `ProviderError`: Kubernetes calls happen outside the Mount path (HMAC key at
 * start, pod watch in the background); a Mount-path caller (TokenRequest fallback) wraps it.
 */
import * as z from 'zod';
import { VETTED_MESSAGE } from '../errors.js';

export type KubeErrorCode =
  /** In-cluster configuration (service-account files, KUBERNETES_SERVICE_* env) missing or invalid. */
  | 'ERR_KUBE_CONFIG'
  /** A caller passed an option that breaks a documented rule. */
  | 'ERR_KUBE_INVALID_ARGUMENT'
  /** The request (or its response body) took longer than its timeout. */
  | 'ERR_KUBE_TIMEOUT'
  /** The caller's AbortSignal fired. */
  | 'ERR_KUBE_ABORTED'
  /** The body was not JSON, too large, or not the shape we rely on. */
  | 'ERR_KUBE_BAD_RESPONSE'
  | 'ERR_KUBE_UNAUTHORIZED'
  | 'ERR_KUBE_FORBIDDEN'
  | 'ERR_KUBE_NOT_FOUND'
  /** 409: AlreadyExists, or Conflict (stale resourceVersion, bound-object uid mismatch). */
  | 'ERR_KUBE_CONFLICT'
  /** 410: Gone or Expired (a watch or continue token from a compacted resourceVersion). */
  | 'ERR_KUBE_GONE'
  /** 422: the object failed validation (e.g. an update to an immutable Secret). */
  | 'ERR_KUBE_INVALID'
  /** The API server is not there for us: 429 or 5xx, or no HTTP answer (connect, TLS, socket). */
  | 'ERR_KUBE_UNAVAILABLE'
  /** Any other non-2xx answer. */
  | 'ERR_KUBE_STATUS'
  /** The HMAC key Secret exists but holds no usable `key`. */
  | 'ERR_KUBE_HMAC_KEY_INVALID';

export interface KubeApiErrorOptions {
  readonly status?: number;
  readonly reason?: string;
  readonly cause?: unknown;
}

export class KubeApiError extends Error {
  readonly code: KubeErrorCode;
  readonly [VETTED_MESSAGE] = true;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** `reason` of the API server's Status object, when there was one. */
  readonly reason: string | undefined;

  constructor(code: KubeErrorCode, message: string, options: KubeApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeApiError';
    this.code = code;
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** The same failure (code, status, reason) with a message that says what to do; the original is the cause. */
export function withHint(error: KubeApiError, message: string): KubeApiError {
  return new KubeApiError(error.code, message, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    cause: error,
  });
}

export function isKubeApiError(error: unknown, code?: KubeErrorCode): error is KubeApiError {
  return error instanceof KubeApiError && (code === undefined || error.code === code);
}

/** The API server's `metav1.Status`; only the fields we show or branch on are required to parse. */
export const StatusSchema = z.looseObject({
  kind: z.literal('Status'),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().int().optional(),
});

/** Server messages are shown in pod events and logs; keep them readable. */
const MAX_SERVER_MESSAGE_CHARS = 300;

function clip(text: string): string {
  return text.length > MAX_SERVER_MESSAGE_CHARS ? `${text.slice(0, MAX_SERVER_MESSAGE_CHARS)}…` : text;
}

export function codeForStatus(status: number): KubeErrorCode {
  switch (status) {
    case 401:
      return 'ERR_KUBE_UNAUTHORIZED';
    case 403:
      return 'ERR_KUBE_FORBIDDEN';
    case 404:
      return 'ERR_KUBE_NOT_FOUND';
    case 409:
      return 'ERR_KUBE_CONFLICT';
    case 410:
      return 'ERR_KUBE_GONE';
    case 422:
      return 'ERR_KUBE_INVALID';
    case 429:
      return 'ERR_KUBE_UNAVAILABLE';
    default:
      return status >= 500 ? 'ERR_KUBE_UNAVAILABLE' : 'ERR_KUBE_STATUS';
  }
}

/**
 * The error for a non-2xx answer (or a watch ERROR event). `body` is the parsed JSON, if any; a
 * body that is not a Status (a proxy's HTML page) contributes nothing to the message.
 */
export function statusError(what: string, httpStatus: number, body: unknown): KubeApiError {
  const parsed = StatusSchema.safeParse(body);
  const status = parsed.success ? parsed.data : undefined;
  const reason = status?.reason !== undefined && status.reason !== '' ? status.reason : undefined;
  const serverMessage = status?.message !== undefined && status.message !== '' ? `: ${clip(status.message)}` : '';
  return new KubeApiError(
    codeForStatus(httpStatus),
    `${what}: HTTP ${httpStatus}${reason === undefined ? '' : ` ${reason}`}${serverMessage}`,
    reason === undefined ? { status: httpStatus } : { status: httpStatus, reason },
  );
}

/** Parses a response body we rely on; a mismatch names the path of the first bad field, not its value. */
export function parseKubeResponse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'the body' : issue.path.join('.');
  throw new KubeApiError(
    'ERR_KUBE_BAD_RESPONSE',
    `${what}: unexpected response from the Kubernetes API (${where}: ${issue?.message ?? 'invalid'})`,
  );
}
