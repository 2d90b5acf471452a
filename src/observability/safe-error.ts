/**
 * What of an error may reach a log line. Provider and Kubernetes client errors carry messages
 * written to be shown (they name objects, paths and flags, never values; `hasVettedMessage`). Any other error's message is not vetted
 * and can quote its input: V8 quotes the text JSON.parse failed on, and that text can be a
 * secret, a decrypted lease state or a token. So foreign errors are described by their type,
 * their `code` and their stack frames, never by their message.
 */
import { hasVettedMessage } from '../errors.js';

export interface LoggableError {
  readonly errorType: string;
  readonly code?: string;
  /** Errors with vetted messages only. */
  readonly message?: string;
  /** Foreign errors only: where it was thrown, without the message line. */
  readonly frames?: string;
}

export function loggableError(error: unknown): LoggableError {
  if (hasVettedMessage(error)) return { errorType: error.name, code: error.code, message: error.message };
  if (!(error instanceof Error)) return { errorType: typeof error };
  const code = (error as { code?: unknown }).code;
  return { errorType: error.name, ...(typeof code === 'string' ? { code } : {}), frames: stackFrames(error) };
}

/** A one-line reason for a log field: a vetted message, else the type and code only. */
export function safeReason(error: unknown): string {
  const described = loggableError(error);
  if (described.message !== undefined) return described.message;
  return described.code === undefined ? described.errorType : `${described.errorType} (${described.code})`;
}

/** The stack of `error` without the line(s) holding its message. */
export function stackFrames(error: Error): string {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}
