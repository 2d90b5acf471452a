/**
 * Response bodies exactly as Vault's Go encoder writes them (vault-api.md §1.4): the envelope's
 * keys in struct order, every map (`data`, `metadata`) with sorted keys because Go marshals maps
 * that way, `<`, `>`, `&` escaped, and a trailing newline.
 */
import { uuid } from './ids.js';

export interface LeaseFields {
  readonly leaseId: string;
  readonly renewable: boolean;
  readonly leaseDurationSeconds: number;
}

/** A handler's successful answer, before it becomes an HTTP reply. */
export interface LogicalResponse {
  readonly kind: 'logical';
  readonly data?: Record<string, unknown> | null;
  readonly lease?: LeaseFields;
  readonly auth?: Record<string, unknown>;
  readonly warnings?: readonly string[];
  /** Legacy sys endpoints also copy `data` keys to the top level. */
  readonly inject?: boolean;
  readonly status?: number;
  /** Overrides the mount's type in `mount_type` (raw 404s built in the backend say ""). */
  readonly mountType?: string;
}

/** A body that is not the envelope (sys/health, seal-status) or is pre-built. */
export interface RawResponse {
  readonly kind: 'raw';
  readonly status: number;
  readonly body: unknown;
}

/** No response: 404 for read/list, 204 for writes (202 when asked). */
export interface EmptyResponse {
  readonly kind: 'empty';
  readonly status?: 202 | 204;
}

export type HandlerResult = LogicalResponse | RawResponse | EmptyResponse;

export const logical = (fields: Omit<LogicalResponse, 'kind'>): LogicalResponse => ({ kind: 'logical', ...fields });
export const empty = (status?: 202 | 204): EmptyResponse =>
  status === undefined ? { kind: 'empty' } : { kind: 'empty', status };

/** Recursively sort plain-object keys, as Go does for map[string]interface{}. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeysDeep(v)]));
  }
  return value;
}

/** Go's json.Encoder output: HTML-safe escapes and a trailing newline. */
export function encodeGoJson(value: unknown): string {
  const text = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `${text}\n`;
}

/** The envelope object, keys in Vault's struct order. */
export function buildEnvelope(
  response: LogicalResponse,
  mountType: string,
  requestId = uuid(),
): Record<string, unknown> {
  const data = response.data === undefined || response.data === null ? null : sortKeysDeep(response.data);
  const envelope = {
    request_id: requestId,
    lease_id: response.lease?.leaseId ?? '',
    renewable: response.lease?.renewable ?? false,
    lease_duration: response.lease?.leaseDurationSeconds ?? 0,
    data,
    wrap_info: null,
    warnings: response.warnings !== undefined && response.warnings.length > 0 ? [...response.warnings] : null,
    auth: response.auth ?? null,
    mount_type: response.mountType ?? mountType,
  };
  if (response.inject === true && data !== null && typeof data === 'object') {
    // HTTPSysInjector writes the data keys first, then the envelope's own keys.
    return { ...(data as Record<string, unknown>), ...envelope };
  }
  return envelope;
}

export function errorBody(messages: readonly string[]): string {
  return encodeGoJson({ errors: messages });
}

/** The framework's warning for request fields a path does not declare (vault-api.md §1.1). */
export function ignoredParameters(data: Readonly<Record<string, unknown>>, known: readonly string[]): string[] {
  const ignored = Object.keys(data)
    .filter((k) => !known.includes(k))
    .sort();
  return ignored.length === 0 ? [] : [`Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`];
}
