/**
 * What the contract compares of an answer: the status, the error texts, the warnings, the
 * top-level body keys and the keys of `data`. Values that differ on every call (times, ids,
 * lease ids, ports) are replaced by placeholders in texts; secret values are never compared.
 */
import type { ApiAnswer } from '../support/vault-api.js';

export type Field = 'status' | 'errors' | 'warnings' | 'keys' | 'dataKeys';

export const FIELDS: readonly Field[] = ['status', 'errors', 'warnings', 'keys', 'dataKeys'];

export interface ResponseShape {
  readonly status: number;
  /** `body.errors`; null when the body has none (or no body). */
  readonly errors: readonly string[] | null;
  readonly warnings: readonly string[] | null;
  /** Sorted top-level keys; `['<not json>']` for a non-JSON body, [] for an empty one. */
  readonly keys: readonly string[];
  /** Sorted keys of `body.data` when it is an object, else null. */
  readonly dataKeys: readonly string[] | null;
}

/** Replaces what changes from call to call, so texts compare across servers and runs. */
export function normaliseText(text: string): string {
  return text
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/(creds\/[\w-]+\/)[A-Za-z0-9]{24}(\.[A-Za-z0-9]+)?/g, '$1<lease>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}

const texts = (value: unknown): readonly string[] | null =>
  Array.isArray(value) ? value.map((item) => normaliseText(String(item))) : null;

export function shapeOf(answer: ApiAnswer): ResponseShape {
  const body = answer.json;
  const keys = body === undefined ? (answer.text === '' ? [] : ['<not json>']) : Object.keys(body).sort();
  const data = body?.data;
  return {
    status: answer.status,
    errors: texts(body?.errors),
    warnings: texts(body?.warnings),
    keys,
    dataKeys: typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.keys(data).sort() : null,
  };
}
