/**
 * How the dev Vault fails a request. Real Vault has two kinds of failure that render differently
 * (vault-api.md §1.5): a backend *error response* (`logical.ErrorResponse`) renders its plain
 * message, while a Go *error* returned by core is wrapped in a multierror ("1 error occurred:…")
 * on every request except logins. Handlers throw one of these; the router renders them.
 */
export type ErrorStyle = 'plain' | 'wrapped';

export class VaultError extends Error {
  readonly code = 'VAULT_DEV_ERROR';
  constructor(
    readonly status: number,
    readonly messages: readonly string[],
    readonly style: ErrorStyle,
    /** Extra response headers (e.g. Retry-After on 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(messages.join('; ') || `HTTP ${status}`);
    this.name = 'VaultError';
  }
}

/** `logical.ErrorResponse(msg)`: 400 unless a status is given, message rendered verbatim. */
export function errorResponse(message: string, status = 400): VaultError {
  return new VaultError(status, [message], 'plain');
}

/** A Go error from core/backend: wrapped in a multierror on non-login requests. */
export function coreError(status: number, ...messages: string[]): VaultError {
  return new VaultError(status, messages, 'wrapped');
}

/** `{"errors":[]}` with a status: missing read, empty list, bad method. */
export function emptyError(status: number): VaultError {
  return new VaultError(status, [], 'plain');
}

/** hashicorp/go-multierror's default format, which Vault's core uses for request errors. */
export function formatMultierror(messages: readonly string[]): string {
  const header = messages.length === 1 ? '1 error occurred:' : `${messages.length} errors occurred:`;
  return `${header}\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

export function renderErrorMessages(error: VaultError, isLogin: boolean): string[] {
  if (error.style === 'wrapped' && !isLogin && error.messages.length > 0) {
    return [formatMultierror(error.messages)];
  }
  return [...error.messages];
}

/** The exact 403 texts of vault-api.md §1.6, in one place. */
export const permissionDenied = (): VaultError => coreError(403, 'permission denied');
export const invalidToken = (): VaultError => coreError(403, 'permission denied', 'invalid token');
export const noToken = (): VaultError => errorResponse('permission denied', 403);
export const unsupportedPath = (): VaultError => coreError(404, 'unsupported path');
export const unsupportedOperation = (): VaultError => coreError(405, 'unsupported operation');
