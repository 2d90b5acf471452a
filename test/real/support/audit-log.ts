/**
 * OpenBao's file audit device, read back: the server's own record of every request and response
 * (written before the answer leaves the server), so tests count logins, reads and issued
 * credentials as OpenBao saw them, not as the provider reports them. Sensitive strings in it are
 * HMACed by OpenBao; paths, operations, token metadata and lease ids are plain.
 */
import { readFileSync } from 'node:fs';

export interface AuditEntry {
  readonly type: 'request' | 'response';
  readonly time: string;
  readonly error?: string;
  readonly auth?: {
    readonly display_name?: string;
    readonly metadata?: Readonly<Record<string, string>>;
    readonly policies?: readonly string[];
  };
  readonly request: {
    readonly operation: string;
    readonly path: string;
    readonly namespace?: { readonly id: string; readonly path?: string };
    readonly data?: Readonly<Record<string, unknown>>;
  };
  readonly response?: {
    readonly secret?: { readonly lease_id: string };
    readonly auth?: { readonly metadata?: Readonly<Record<string, string>> };
  };
}

export interface AuditFilter {
  /** Only entries after this mark (`AuditLog.mark()`). */
  readonly since?: number;
  /** The request path, exactly (relative to its namespace), or a pattern. */
  readonly path?: string | RegExp;
  readonly operation?: string;
  /** The service account of the token (kubernetes auth metadata). */
  readonly serviceAccount?: string;
  /** The namespace path (`team/`), or '' for the root namespace. */
  readonly namespace?: string;
}

const LOGIN_PATH = /^auth\/[^/]+\/login$/;

export class AuditLog {
  constructor(readonly path: string) {}

  entries(): AuditEntry[] {
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditEntry);
  }

  /** A position in the log: later filters with `since` see only what came after. */
  mark(): number {
    return this.entries().length;
  }

  /** Responses (one per answered request) matching the filter. */
  responses(filter: AuditFilter = {}): AuditEntry[] {
    return this.entries()
      .slice(filter.since ?? 0)
      .filter((entry) => entry.type === 'response' && matches(entry, filter));
  }

  /** Successful logins (a token was issued). */
  logins(filter: AuditFilter = {}): AuditEntry[] {
    return this.responses({ path: LOGIN_PATH, ...filter }).filter(
      (entry) => entry.error === undefined && entry.response?.auth !== undefined,
    );
  }

  /** Reads answered without an error. */
  reads(filter: AuditFilter = {}): AuditEntry[] {
    return this.responses({ operation: 'read', ...filter }).filter((entry) => entry.error === undefined);
  }

  /** Lease ids of the credentials issued (responses carrying a new lease). */
  issuedLeases(filter: AuditFilter = {}): string[] {
    return this.responses(filter)
      .filter((entry) => !entry.request.path.startsWith('sys/leases/'))
      .map((entry) => entry.response?.secret?.lease_id ?? '')
      .filter((leaseId) => leaseId !== '');
  }
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  const path = entry.request.path;
  if (typeof filter.path === 'string' && path !== filter.path) return false;
  if (filter.path instanceof RegExp && !filter.path.test(path)) return false;
  if (filter.operation !== undefined && entry.request.operation !== filter.operation) return false;
  if (filter.namespace !== undefined && (entry.request.namespace?.path ?? '') !== filter.namespace) return false;
  if (filter.serviceAccount !== undefined) {
    const metadata = entry.auth?.metadata ?? entry.response?.auth?.metadata;
    if (metadata?.service_account_name !== filter.serviceAccount) return false;
  }
  return true;
}
