/**
 * The messages between the sandbox pool (main thread) and its workers. Errors cross as data:
 * a provider error keeps its stable `code` and its message (messages are safe by construction);
 * anything else (a bug) crosses as its type and stack frames only, because the message of an
 * unexpected error can quote its input (V8 quotes JSON.parse input), and the input is secret.
 */

/** The worker's first message: its module is loaded and it takes tasks. */
export const READY = 'ready';

/** `progress` slot value while no task step has been reported. */
export const PROGRESS_IDLE = -1;

export interface SandboxRequest {
  readonly id: number;
  readonly task: unknown;
}

export interface SerializedFailure {
  /** A ProviderErrorCode, or undefined for an unexpected error. */
  readonly code?: string;
  /** Present for provider errors only. */
  readonly message?: string;
  /** The error's class name. */
  readonly type: string;
  /** Stack frames without the message line (unexpected errors only). */
  readonly frames?: string;
}

export interface SandboxReply {
  readonly id: number;
  readonly result?: unknown;
  readonly failure?: SerializedFailure;
}
