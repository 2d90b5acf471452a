/**
 * The process logger (pino JSON). Redaction is declared here once, as a second line of defence:
 * by design no code path logs a token, a JWT, a secret value or `secretArgs`, and tests grep
 * captured logs for known values to prove it.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The levels of `-log-level`; `off` silences the logger. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[REDACTED]';

/** Field names that may hold credentials or secret material wherever they appear (two levels deep). */
const SENSITIVE_FIELDS = [
  'token',
  'jwt',
  'client_token',
  'clientToken',
  'serviceAccountToken',
  'secretArgs',
  'attributes',
  'secrets',
  'contents',
  'data',
  'password',
  'private_key',
  'authorization',
  'x-vault-token',
];

export const REDACT_PATHS = SENSITIVE_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? field : `["${field}"]`;
  const dotted = key.startsWith('[') ? key : `.${key}`;
  return [key.startsWith('[') ? key : field, `*${dotted}`, `*.*${dotted}`];
});

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level: level === 'off' ? 'silent' : level,
      base: { component: 'vault-csi-provider' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
