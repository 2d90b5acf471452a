/**
 * The provider's one error hierarchy. Every failure that reaches the driver is one of these
 * classes; code branches on `code`, never on messages. Messages are safe to show in pod events:
 * they never contain a secret value, a JWT, a Vault token or a `secretArgs` value.
 * The mapping to gRPC status lives in one place: `src/server/grpc-status.ts`.
 */

export type ProviderErrorCode =
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_MISSING_SERVICE_ACCOUNT_TOKEN'
  | 'ERR_VAULT_LOGIN_FAILED'
  | 'ERR_VAULT_PERMISSION_DENIED'
  | 'ERR_SECRET_NOT_FOUND'
  | 'ERR_VAULT_BAD_REQUEST'
  | 'ERR_VAULT_UNAVAILABLE'
  | 'ERR_KUBERNETES_UNAVAILABLE'
  | 'ERR_DEADLINE_EXCEEDED'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_RESOURCE_LIMIT'
  | 'ERR_INTERNAL';

/**
 * Marks an error class whose messages are written to be shown (no secret, token or body value),
 * so logs may carry them; any other error is logged by type and stack frames only.
 */
export const VETTED_MESSAGE: unique symbol = Symbol('vetted message');

export function hasVettedMessage(error: unknown): error is Error & { readonly code: string } {
  return error instanceof Error && (error as { [VETTED_MESSAGE]?: unknown })[VETTED_MESSAGE] === true;
}

export abstract class ProviderError extends Error {
  abstract readonly code: ProviderErrorCode;
  readonly [VETTED_MESSAGE] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A SecretProviderClass parameter, volume attribute or object field is invalid. */
export class InvalidParameterError extends ProviderError {
  readonly code = 'ERR_INVALID_PARAMETER';
}

/** The driver sent no service-account token for our audience (CSIDriver `tokenRequests`). */
export class MissingServiceAccountTokenError extends ProviderError {
  readonly code = 'ERR_MISSING_SERVICE_ACCOUNT_TOKEN';
}

/** Vault refused the pod's login (role, audience, bound service account or namespace). */
export class VaultLoginError extends ProviderError {
  readonly code = 'ERR_VAULT_LOGIN_FAILED';
}

/** Vault answered 403 to a read made with a fresh token: the role's policies do not allow it. */
export class VaultPermissionDeniedError extends ProviderError {
  readonly code = 'ERR_VAULT_PERMISSION_DENIED';
}

/** The secret path does not exist, or the requested key is not in it. */
export class SecretNotFoundError extends ProviderError {
  readonly code = 'ERR_SECRET_NOT_FOUND';
}

/** Vault rejected the request itself (400): wrong `secretArgs`, unknown role, bad path. */
export class VaultBadRequestError extends ProviderError {
  readonly code = 'ERR_VAULT_BAD_REQUEST';
}

/** Vault is unreachable, sealed, overloaded (429) or failing (5xx). Retrying may succeed. */
export class VaultUnavailableError extends ProviderError {
  readonly code = 'ERR_VAULT_UNAVAILABLE';
}

/** The Kubernetes API server did not answer a call a Mount needs (the TokenRequest fallback). */
export class KubernetesUnavailableError extends ProviderError {
  readonly code = 'ERR_KUBERNETES_UNAVAILABLE';
}

/** The Mount's deadline budget was spent before the work finished. */
export class DeadlineExceededError extends ProviderError {
  readonly code = 'ERR_DEADLINE_EXCEEDED';
}

/** The response would exceed the configured size limit (the driver's receive limit). */
export class ResponseTooLargeError extends ProviderError {
  readonly code = 'ERR_RESPONSE_TOO_LARGE';
}

/**
 * Work a SecretProviderClass chose (a template, an expression, a format over large data) went
 * past a budget the runtime enforces: CPU time or memory. Only that Mount fails.
 */
export class ResourceLimitError extends ProviderError {
  readonly code = 'ERR_RESOURCE_LIMIT';
}

/** A bug: something the provider did not expect. */
export class InternalError extends ProviderError {
  readonly code = 'ERR_INTERNAL';
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

const CLASS_BY_CODE: Readonly<Record<ProviderErrorCode, new (message: string) => ProviderError>> = {
  ERR_INVALID_PARAMETER: InvalidParameterError,
  ERR_MISSING_SERVICE_ACCOUNT_TOKEN: MissingServiceAccountTokenError,
  ERR_VAULT_LOGIN_FAILED: VaultLoginError,
  ERR_VAULT_PERMISSION_DENIED: VaultPermissionDeniedError,
  ERR_SECRET_NOT_FOUND: SecretNotFoundError,
  ERR_VAULT_BAD_REQUEST: VaultBadRequestError,
  ERR_VAULT_UNAVAILABLE: VaultUnavailableError,
  ERR_KUBERNETES_UNAVAILABLE: KubernetesUnavailableError,
  ERR_DEADLINE_EXCEEDED: DeadlineExceededError,
  ERR_RESPONSE_TOO_LARGE: ResponseTooLargeError,
  ERR_RESOURCE_LIMIT: ResourceLimitError,
  ERR_INTERNAL: InternalError,
};

/**
 * The provider error of `code` with `message`, for errors that crossed a thread boundary as
 * data (src/sandbox/); undefined for a code that is not a provider error code.
 */
export function providerErrorFromCode(code: string, message: string): ProviderError | undefined {
  const ErrorClass = (CLASS_BY_CODE as Partial<Record<string, new (message: string) => ProviderError>>)[code];
  return ErrorClass === undefined ? undefined : new ErrorClass(message);
}
