/**
 * One HTTP request to Vault, planned from one or more objects (lives for one Mount), and the
 * parsed envelope Vault answers with.
 */

export interface VaultRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Normalised API path, always starting with `/v1/`, without query string. */
  readonly path: string;
  /** Query parameters from a `?query` suffix of `secretPath`. */
  readonly query: Readonly<Record<string, string>>;
  /** JSON body from `secretArgs`; sent whenever present, as the Go provider does. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** Canonical identity of the request (method, path, sorted query, canonical body JSON). */
  readonly key: string;
}

/** The standard Vault response envelope. Unknown fields are kept. */
export interface VaultSecret {
  readonly request_id?: string;
  readonly lease_id?: string;
  readonly renewable?: boolean;
  readonly lease_duration?: number;
  readonly data?: Record<string, unknown> | null;
  readonly warnings?: string[] | null;
  readonly wrap_info?: unknown;
  readonly auth?: unknown;
  readonly mount_type?: string;
  readonly [field: string]: unknown;
}
