/**
 * What became of an undici exchange that brought no answer, in the terms both clients (vault/,
 * kube/) turn into their own errors: the caller gave up, a timeout fired, or the network failed
 * with the code that says how (ECONNREFUSED, a TLS verification code, ...). Never a header, so
 * never a token.
 */

export type TransportFailure =
  | { readonly kind: 'aborted' }
  /** `code` is undici's own timeout (headers, body); absent when the caller's timeout fired. */
  | { readonly kind: 'timeout'; readonly code?: string }
  | { readonly kind: 'network'; readonly code: string | undefined };

export interface FailureSignals {
  /** The caller's signal fired. */
  readonly aborted: boolean;
  /** The caller's own whole-request timeout fired. */
  readonly timedOut: boolean;
}

const UNDICI_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function classifyTransportFailure(error: unknown, signals: FailureSignals): TransportFailure {
  if (signals.aborted) return { kind: 'aborted' };
  if (signals.timedOut) return { kind: 'timeout' };
  const code = failureCode(error);
  if (code !== undefined && UNDICI_TIMEOUT_CODES.has(code)) return { kind: 'timeout', code };
  if (code === 'UND_ERR_ABORTED' || (error instanceof Error && error.name === 'AbortError')) return { kind: 'aborted' };
  return { kind: 'network', code };
}

/** The most telling code: undici wraps socket errors (UND_ERR_SOCKET), and the useful code may be on the cause. */
export function failureCode(error: unknown): string | undefined {
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
