/**
 * The one place that turns transport failures (undici errors, aborts, our own timeouts) into
 * `KubeApiError`s with a stable code, from the classification shared with vault/
 * (`http/transport-failure.ts`). Messages carry the method, path, API address and the system
 * error code (ECONNREFUSED, a TLS verify code), never headers, so never the token.
 */
import { classifyTransportFailure } from '../http/transport-failure.js';
import { KubeApiError } from './kube-api-error.js';

export interface FailureContext {
  /** Set when our own whole-request timeout fired. */
  readonly timedOutAfterMs?: number | undefined;
  /** The caller's AbortSignal fired. */
  readonly aborted: boolean;
}

/** KubeApiErrors pass through unchanged. */
export function transportError(error: unknown, what: string, baseUrl: string, context: FailureContext): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const failure = classifyTransportFailure(error, {
    aborted: context.aborted,
    timedOut: context.timedOutAfterMs !== undefined,
  });
  switch (failure.kind) {
    case 'aborted':
      return new KubeApiError('ERR_KUBE_ABORTED', `${what}: aborted`, { cause: error });
    case 'timeout':
      return new KubeApiError(
        'ERR_KUBE_TIMEOUT',
        failure.code === undefined
          ? `${what}: no complete answer within ${context.timedOutAfterMs ?? 0} ms`
          : `${what}: timed out (${failure.code})`,
        { cause: error },
      );
    case 'network': {
      const detail = failure.code ?? (error instanceof Error ? error.message : 'unknown error');
      return new KubeApiError(
        'ERR_KUBE_UNREACHABLE',
        `${what}: cannot reach the Kubernetes API at ${baseUrl} (${detail})`,
        {
          cause: error,
        },
      );
    }
  }
}
