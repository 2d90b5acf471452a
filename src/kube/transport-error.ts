/**
 * The one place that turns transport failures (undici errors, aborts, our own timeouts) into
 * `KubeApiError`s with a stable code. Messages carry the method, path, API address and the
 * system error code (ECONNREFUSED, a TLS verify code), never headers, so never the token.
 */
import { KubeApiError } from './kube-api-error.js';

export interface FailureContext {
  /** Set when our own whole-request timeout fired. */
  readonly timedOutAfterMs?: number | undefined;
  /** The caller's AbortSignal fired. */
  readonly aborted: boolean;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** KubeApiErrors pass through unchanged. */
export function transportError(error: unknown, what: string, baseUrl: string, context: FailureContext): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (context.aborted) return new KubeApiError('ERR_KUBE_ABORTED', `${what}: aborted`, { cause: error });
  if (context.timedOutAfterMs !== undefined) {
    return new KubeApiError('ERR_KUBE_TIMEOUT', `${what}: no complete answer within ${context.timedOutAfterMs} ms`, {
      cause: error,
    });
  }
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new KubeApiError('ERR_KUBE_TIMEOUT', `${what}: timed out (${code})`, { cause: error });
  }
  if (code === 'UND_ERR_ABORTED' || (error instanceof Error && error.name === 'AbortError')) {
    return new KubeApiError('ERR_KUBE_ABORTED', `${what}: aborted`, { cause: error });
  }
  const detail = code ?? (error instanceof Error ? error.message : 'unknown error');
  return new KubeApiError(
    'ERR_KUBE_UNREACHABLE',
    `${what}: cannot reach the Kubernetes API at ${baseUrl} (${detail})`,
    {
      cause: error,
    },
  );
}

function errorCode(error: unknown): string | undefined {
  // undici wraps socket errors (UND_ERR_SOCKET); the useful code may be on the cause.
  let fallback: string | undefined;
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') {
      if (code !== 'UND_ERR_SOCKET') return code;
      fallback ??= code;
    }
    current = current.cause;
  }
  return fallback;
}
