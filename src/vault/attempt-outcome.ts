/**
 * What one attempt at a Vault request came to, for the retry policy and the circuit breaker:
 * an answer, a network failure (before or after the request was sent), or an answer that cannot
 * be used (retrying would get the same). Lives beside `vault-http.ts`, which makes the attempts.
 */
import { DeadlineExceededError, ProviderError, VaultUnavailableError } from '../errors.js';
import { failedBeforeSending, type AttemptOutcome } from './retry-policy.js';
import type { VaultHttpRequest } from './vault-http.js';

/** Errors for answers that arrived but cannot be used (not JSON, too large). */
const unusableAnswers = new WeakSet<Error>();

export function markUnusable(error: Error): Error {
  unusableAnswers.add(error);
  return error;
}

export function classifyFailure(error: unknown): AttemptOutcome {
  if (error instanceof Error && unusableAnswers.has(error)) return { kind: 'unusable' };
  // Timeouts and connection failures are VaultUnavailable; anything else (an unreadable CA file)
  // would fail the same way again.
  if (!(error instanceof VaultUnavailableError)) return { kind: 'unusable' };
  const cause = error.cause as { code?: unknown } | undefined;
  // A certificate Vault's TLS does not verify is configuration: retrying cannot help.
  if (isTlsVerificationCode(cause?.code)) return { kind: 'unusable' };
  return { kind: 'network', beforeSending: failedBeforeSending(cause?.code) };
}

export function isTlsVerificationCode(code: unknown): boolean {
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
}

/**
 * Why an attempt counted against the circuit, for its fail-fast message: our own transport
 * message (no Vault text, which could echo request arguments), or the status and "sealed".
 */
export function failureReason(
  subject: string,
  response: { readonly status: number; readonly errors: readonly string[] } | undefined,
  failure: unknown,
): string {
  if (response !== undefined) {
    const sealed = response.errors.some((message) => /sealed/i.test(message));
    return `HTTP ${response.status}${sealed ? ': Vault is sealed' : ''}`;
  }
  const message = failure instanceof Error ? failure.message : 'no answer';
  return message.startsWith(`${subject}: `) ? message.slice(subject.length + 2) : message;
}

export function retryReason(outcome: AttemptOutcome): string {
  if (outcome.kind === 'status') return outcome.status === 429 ? 'rate_limited' : 'server_error';
  return 'connection';
}

export function abortedError(req: VaultHttpRequest): Error {
  const reason: unknown = req.signal.reason;
  if (reason instanceof ProviderError) return reason;
  return new DeadlineExceededError(`${req.subject}: the Mount was cancelled while waiting for Vault`);
}
