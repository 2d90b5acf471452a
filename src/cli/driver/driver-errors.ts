// A failed mount as the driver reports it: `code` is the driver's error reason (the metric label
// `error_type`), the message is what kubelet would show in the pod's FailedMount event.
// gRPC failures from the provider are not wrapped: callers get the grpc-js ServiceError itself.

/** Reasons the emulator produces besides a provider's own Error.code. */
export const DriverErrorReason = {
  /** Response without object versions (the driver reports it under this reason). */
  GRPCProviderError: 'GRPCProviderError',
  /** Path validation or atomic write failed. */
  FileWriteError: 'FileWriteError',
  /** The SecretProviderClass is unusable (no parameters, bad provider name). */
  InvalidSecretProviderClass: 'InvalidSecretProviderClass',
} as const;

export class DriverMountError extends Error {
  override readonly name = 'DriverMountError';
  /** A DriverErrorReason value, or the provider's MountResponse.error.code verbatim. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
