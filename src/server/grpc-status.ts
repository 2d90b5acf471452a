/**
 * The one place that maps provider errors to gRPC status. The driver puts the message into the
 * pod's FailedMount event, so it must be actionable and safe; unknown errors (bugs) get a
 * generic message and their details go only to the provider's log.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isProviderError, type ProviderErrorCode } from '../errors.js';

const STATUS_BY_CODE: Readonly<Record<ProviderErrorCode, GrpcStatus>> = {
  ERR_INVALID_PARAMETER: GrpcStatus.INVALID_ARGUMENT,
  ERR_MISSING_SERVICE_ACCOUNT_TOKEN: GrpcStatus.UNAUTHENTICATED,
  ERR_VAULT_LOGIN_FAILED: GrpcStatus.UNAUTHENTICATED,
  ERR_VAULT_PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  ERR_SECRET_NOT_FOUND: GrpcStatus.NOT_FOUND,
  ERR_VAULT_BAD_REQUEST: GrpcStatus.INVALID_ARGUMENT,
  ERR_VAULT_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  ERR_KUBERNETES_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  ERR_DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  ERR_RESPONSE_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  ERR_RESOURCE_LIMIT: GrpcStatus.RESOURCE_EXHAUSTED,
  ERR_INTERNAL: GrpcStatus.INTERNAL,
};

export interface GrpcFailure {
  readonly code: GrpcStatus;
  readonly details: string;
  /** Stable label for metrics and logs: the provider error code, or ERR_INTERNAL for bugs. */
  readonly errorCode: ProviderErrorCode;
}

export function toGrpcFailure(error: unknown): GrpcFailure {
  if (isProviderError(error)) {
    return { code: STATUS_BY_CODE[error.code], details: error.message, errorCode: error.code };
  }
  return {
    code: GrpcStatus.INTERNAL,
    details: 'internal error in the Vault CSI provider; see the provider logs on this node',
    errorCode: 'ERR_INTERNAL',
  };
}

/** `OK`, `NOT_FOUND`, ... for metric labels. */
export function statusName(code: GrpcStatus): string {
  return GrpcStatus[code];
}
