/**
 * One HTTP exchange with Vault: URL building, the namespace header, size-limited JSON bodies,
 * and translating transport failures into provider errors. Status codes are interpreted by the
 * callers (login and reads mean different things by 403).
 */
import { errors as undiciErrors, request } from '../http/undici.js';
import { DeadlineExceededError, ProviderError, ResponseTooLargeError, VaultUnavailableError } from '../errors.js';
import { goJson } from '../go-compat/go-json.js';
import { readBodyText, type ResponseBody } from '../http/read-body.js';
import { classifyTransportFailure } from '../http/transport-failure.js';
import type { VaultConnection } from './vault-connection.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { VaultTransport } from './transport.js';
import { systemClock, type Clock } from '../async/clock.js';
import { abortReason } from '../async/abortable-sleep.js';
import { deadlineSignal } from '../async/deadline-signal.js';
import { isServerFailure, type CircuitBreaker } from './circuit-breaker.js';
import { currentRequestContext, type ResponseByteBudget } from './request-context.js';
import type { RequestScheduler } from './request-scheduler.js';
import type { Logger } from '../observability/logger.js';
import { logVaultRequest } from './vault-request-log.js';
import { vaultRequestUrl } from './request-url.js';
import { isRetryable, type AttemptOutcome, type RetryPolicy } from './retry-policy.js';
import {
  abortedError,
  classifyFailure,
  failureReason,
  isTlsVerificationCode,
  markUnusable,
  retryReason,
} from './attempt-outcome.js';

export type VaultOperation = 'login' | 'read' | 'renew' | 'revoke' | 'lookup';

export interface VaultHttpRequest {
  readonly operation: VaultOperation;
  readonly method: string;
  /** API path starting with `/v1/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** The pod's Vault token; never logged. */
  readonly token?: string;
  readonly signal: AbortSignal;
  /** Names what is being fetched in error messages (an object name or "login"). */
  readonly subject: string;
}

export interface VaultHttpResponse {
  readonly status: number;
  /** Parsed JSON body, or undefined for an empty body (204). */
  readonly body: unknown;
  readonly retryAfterSeconds?: number;
}

export interface VaultHttpOptions {
  readonly maxResponseBytes: number;
  readonly requestTimeoutMs: number;
  readonly metrics?: ProviderMetrics;
  /** Backpressure, retries and the circuit breaker (docs/resilience.md); absent: one plain attempt. */
  readonly scheduler?: RequestScheduler;
  readonly breaker?: CircuitBreaker;
  readonly retry?: RetryPolicy;
  /** Time of the retry backoff and of Retry-After dates (tests move it by hand). */
  readonly clock?: Clock;
  /** Gets one debug line per exchange (`vault-request-log.ts`). */
  readonly logger?: Logger;
}

export class VaultHttp {
  private readonly clock: Clock;

  constructor(
    private readonly transport: VaultTransport,
    private readonly options: VaultHttpOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Sends one request through the per-address scheduler and circuit breaker, retrying what is
   * safe to retry while the Mount's deadline allows (docs/resilience.md). Returns the last answer
   * or throws the last failure, so callers interpret statuses exactly as for a single attempt.
   */
  async send(connection: VaultConnection, req: VaultHttpRequest): Promise<VaultHttpResponse> {
    const { scheduler, breaker, retry, metrics } = this.options;
    const address = connection.address;
    const where = describeAddress(address);
    // One circuit per address and TLS settings: a pod whose SPC has a wrong CA or lacks a client
    // certificate must not open the circuit for the pods that reach the same Vault correctly.
    const circuitKey = JSON.stringify([address, connection.tls]);
    const context = currentRequestContext();
    // Reads with a body (pki/issue, database creds by POST) may mint a credential per attempt.
    const idempotent = req.operation !== 'read' || req.method === 'GET';
    const probe = (signal: AbortSignal) => this.probeHealth(connection, signal);
    for (let attempt = 0; ; attempt += 1) {
      if (breaker !== undefined) await breaker.admit(circuitKey, where, req.subject, probe, req.signal);
      let response: VaultHttpResponse | undefined;
      let failure: unknown;
      let outcome: AttemptOutcome;
      try {
        response =
          scheduler === undefined
            ? await this.exchange(connection, req, attempt + 1)
            : await scheduler.run(
                address,
                context.priority,
                req.signal,
                () => this.exchange(connection, req, attempt + 1),
                context.tenant,
              );
        outcome = { kind: 'status', status: response.status, retryAfterSeconds: response.retryAfterSeconds };
      } catch (error) {
        if (req.signal.aborted) throw abortedError(req);
        failure = error;
        outcome = classifyFailure(error);
      }
      if (breaker !== undefined && outcome.kind !== 'unusable') {
        const answer = response && { status: response.status, errors: vaultErrorMessages(response.body) };
        const serverFailure = isServerFailure(
          answer === undefined ? { kind: 'network' } : { kind: 'status', ...answer },
        );
        if (serverFailure) breaker.recordFailure(circuitKey, failureReason(req.subject, answer, failure), probe);
        else breaker.recordSuccess(circuitKey);
      }
      const finish = (): VaultHttpResponse => {
        if (response !== undefined) return response;
        throw failure;
      };
      if (retry === undefined || attempt >= retry.options.maxRetries || !isRetryable(outcome, idempotent)) {
        return finish();
      }
      const retryAfter = outcome.kind === 'status' ? outcome.retryAfterSeconds : undefined;
      const delayMs = retry.delayMs(attempt + 1, retryAfter);
      // A wait that would outlast the Mount's budget is pointless: return this precise answer now.
      if (this.clock.now() + delayMs >= context.deadlineMs) return finish();
      metrics?.vaultRetries.inc({ operation: req.operation, reason: retryReason(outcome) });
      try {
        await this.clock.sleep(delayMs, req.signal);
      } catch {
        throw abortedError(req);
      }
    }
  }

  /**
   * `sys/health` as the breaker's probe. Sent without the namespace header: it is a root-only
   * endpoint (OpenBao answers 400 inside a namespace), and the question is whether the SERVER is
   * up. Unhealthy means no answer or a 5xx (sealed 503, uninitialised 501); any other answer,
   * even a proxy's 4xx, shows a server that serves, and must not keep every pod out.
   */
  private async probeHealth(connection: VaultConnection, signal: AbortSignal): Promise<boolean> {
    const own = AbortSignal.any([signal, AbortSignal.timeout(Math.min(this.options.requestTimeoutMs, 5000))]);
    const root: VaultConnection = { address: connection.address, tls: connection.tls };
    const response = await this.exchange(root, {
      operation: 'lookup',
      method: 'GET',
      path: '/v1/sys/health',
      query: { standbyok: 'true', perfstandbyok: 'true' },
      signal: own,
      subject: 'health probe',
    });
    return response.status < 500;
  }

  /** One HTTP exchange, no retries; `attempt` counts from 1 (the health probe's is 1). */
  private async exchange(connection: VaultConnection, req: VaultHttpRequest, attempt = 1): Promise<VaultHttpResponse> {
    const endpoint = await this.transport.endpointFor(connection);
    const url = vaultRequestUrl(endpoint.base, req.path, req.query, req.subject);
    const headers: Record<string, string> = { 'x-vault-request': 'true', accept: 'application/json' };
    if (req.token !== undefined) headers['x-vault-token'] = req.token;
    if (connection.namespace !== undefined) headers['x-vault-namespace'] = connection.namespace;
    let payload: string | undefined;
    if (req.body !== undefined) {
      // Go's encoding, so secretArgs reach Vault as the Go provider sends them (64-bit integers, -0).
      payload = goJson(req.body);
      headers['content-type'] = 'application/json';
    }
    const stopTimer = this.options.metrics?.vaultRequestDuration.startTimer({ operation: req.operation });
    // A timer cleared when the exchange ends, not AbortSignal.timeout: that one's timer lives out
    // its whole timeout, and on Node 24 holds the request's async context (its byte budget) with
    // it: ~3 per Mount for 30 s grew the heap to 600 MB under a busy node's load.
    let timedOut = false;
    const own = deadlineSignal(this.options.requestTimeoutMs, req.signal, {
      expired: () => {
        timedOut = true;
        return new DOMException('The Vault request timed out', 'TimeoutError');
      },
      cancelled: () => abortReason(req.signal),
    });
    const signal = own.signal;
    const startedMs = performance.now();
    let status = 'error';
    let body: unknown;
    try {
      const response = await request(endpoint.agent, url, {
        method: req.method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal,
      });
      status = String(response.statusCode);
      const budget = currentRequestContext().responseBytes;
      const text = await readLimited(response.body, this.options.maxResponseBytes, req.subject, budget);
      const retryAfter = parseRetryAfter(response.headers['retry-after'], this.clock.now());
      body = parseBody(text, response.statusCode, req.subject);
      return {
        status: response.statusCode,
        body,
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      };
    } catch (error) {
      throw translateFailure(error, req, connection, timedOut);
    } finally {
      own.dispose();
      stopTimer?.();
      this.options.metrics?.vaultRequests.inc({ operation: req.operation, status });
      if (this.options.logger !== undefined)
        logVaultRequest(this.options.logger, req, {
          path: url.pathname,
          status,
          attempt,
          durationMs: performance.now() - startedMs,
          body,
        });
    }
  }
}

function readLimited(
  body: ResponseBody,
  limit: number,
  subject: string,
  budget: ResponseByteBudget | undefined,
): Promise<string> {
  return readBodyText(
    body,
    limit,
    () =>
      markUnusable(
        new ResponseTooLargeError(
          `${subject}: Vault's response is larger than the limit of ${limit} bytes (-max-response-bytes); the driver could not receive it either`,
        ),
      ),
    budget === undefined
      ? undefined
      : (bytes) => {
          if (budget.take(bytes)) return;
          throw markUnusable(
            new ResponseTooLargeError(
              `${subject}: this Mount's Vault answers pass ${budget.limitBytes} bytes together (-max-response-bytes, plus room for JSON), more than its files could carry to the driver; the remaining reads were dropped`,
            ),
          );
        },
  );
}

function parseBody(text: string, status: number, subject: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page or a truncated body: say so without echoing it.
    const error = new VaultUnavailableError(
      `${subject}: Vault answered HTTP ${status} with a body that is not JSON; check that the address points at Vault and not at a proxy or load balancer page`,
    );
    throw markUnusable(error);
  }
}

function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - nowMs) / 1000);
}

function translateFailure(
  error: unknown,
  req: VaultHttpRequest,
  connection: VaultConnection,
  timedOut: boolean,
): Error {
  if (error instanceof ProviderError) return error;
  const failure = classifyTransportFailure(error, { aborted: req.signal.aborted, timedOut });
  if (failure.kind === 'aborted') {
    const reason: unknown = req.signal.reason;
    if (reason instanceof ProviderError) return reason;
    return new DeadlineExceededError(`${req.subject}: the Mount was cancelled while waiting for Vault`);
  }
  const where = describeAddress(connection.address);
  if (failure.kind === 'timeout') {
    return new VaultUnavailableError(`${req.subject}: Vault at ${where} did not answer within the request timeout`);
  }
  const detail = failure.code ?? (error instanceof undiciErrors.UndiciError ? error.name : 'network error');
  const hint = tlsHint(failure.code);
  return new VaultUnavailableError(`${req.subject}: cannot reach Vault at ${where} (${detail})${hint}`, {
    cause: error,
  });
}

function tlsHint(code: unknown): string {
  if (typeof code !== 'string') return '';
  if (isTlsVerificationCode(code)) {
    return '; check vaultCACertPath / -vault-tls-ca-cert and vaultTLSServerName';
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return '; the connection was closed: if Vault requires client certificates, check vaultTLSClientCertPath and vaultTLSClientKeyPath';
  }
  return '';
}

/** The address without userinfo or query (its path kept: it says which Vault), safe for messages. */
export function describeAddress(address: string): string {
  if (address.startsWith('unix://')) return address;
  try {
    const url = new URL(address);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid address)';
  }
}

/** The `errors` strings of a Vault error body, tolerant of odd shapes. */
export function vaultErrorMessages(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter((item): item is string => typeof item === 'string').map(flattenMultiError);
}

export function vaultWarnings(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const warnings = (body as { warnings?: unknown }).warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.filter((item): item is string => typeof item === 'string');
}

/** Vault wraps errors as "1 error occurred:\n\t* msg\n\n"; keep the messages only. */
function flattenMultiError(message: string): string {
  const items = [...message.matchAll(/\n\t\* ([^\n]*)/g)].map((match) => match[1] ?? '');
  return items.length > 0 ? items.join('; ') : message.trim();
}
