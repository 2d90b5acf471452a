/**
 * The debug line of one HTTP exchange with Vault (`-log-level=debug`), for following what the
 * provider asks Vault and what Vault answered: method, API path, the names of the query
 * parameters, status (or `error` when no answer came), duration, attempt, and Vault's
 * `request_id` (to find the exchange in Vault's audit log). Never a token, a body, a query value
 * or a `secretArgs` value: they are not passed in.
 */
import type { Logger } from '../observability/logger.js';
import type { VaultHttpRequest } from './vault-http.js';

export interface ExchangeOutcome {
  /** The URL path as sent (an address's path prefix included), without the query. */
  readonly path: string;
  /** The HTTP status, or `error` when there was no usable answer. */
  readonly status: string;
  readonly attempt: number;
  readonly durationMs: number;
  /** The parsed answer, read only for its `request_id`. */
  readonly body: unknown;
}

function requestIdOf(body: unknown): string | undefined {
  const id = typeof body === 'object' && body !== null ? (body as { request_id?: unknown }).request_id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function logVaultRequest(logger: Logger, req: VaultHttpRequest, outcome: ExchangeOutcome): void {
  if (!logger.isLevelEnabled('debug')) return;
  const requestId = requestIdOf(outcome.body);
  const queryNames = Object.keys(req.query ?? {});
  logger.debug(
    {
      vaultRequest: {
        operation: req.operation,
        method: req.method,
        path: outcome.path,
        ...(queryNames.length === 0 ? {} : { queryNames }),
        status: outcome.status,
        durationMs: Math.round(outcome.durationMs * 10) / 10,
        attempt: outcome.attempt,
        ...(requestId === undefined ? {} : { requestId }),
      },
    },
    'vault request',
  );
}
