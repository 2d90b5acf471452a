/**
 * The shapes shared by the router and the engines: one request as an engine sees it, the engine
 * and auth-method interfaces, and the mount-table entries. Engines never see HTTP.
 */
import type { Policy } from './acl.js';
import type { HandlerResult } from './envelope.js';
import type { LeaseTable } from './leases.js';
import type { TokenEntry, TokenStore } from './tokens.js';

export type Operation = 'read' | 'create' | 'update' | 'delete' | 'list' | 'patch';

/** Services every engine may use; one per server. */
export interface CoreServices {
  readonly now: () => number;
  readonly tokens: TokenStore;
  readonly leases: LeaseTable;
  readonly counters: { certificatesIssued: number };
  /** Identity entity ids, stable per (namespace, auth mount, alias name). */
  readonly entities: Map<string, string>;
}

export interface EngineRequest {
  readonly operation: Operation;
  /** Path relative to the mount, e.g. `data/app` for `secret/data/app`. */
  readonly path: string;
  /** Path relative to the namespace, e.g. `secret/data/app`. */
  readonly fullPath: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly namespace: NamespaceState;
  /** The caller's token (undefined only on unauthenticated paths such as logins). */
  readonly token: TokenEntry | undefined;
  readonly mountPath: string;
  readonly core: CoreServices;
  readonly remoteAddress: string;
}

/**
 * `existence`: Vault's ExistenceCheck deciding create vs update for writes. `undefined` means the
 * path has no check, so a write is an update; 'either' accepts create or update (PKI issue).
 */
export type Existence = boolean | 'either' | undefined;

export interface Engine {
  /** Value of `mount_type` in responses. */
  readonly type: string;
  existence?(path: string): Existence;
  handle(request: EngineRequest): HandlerResult | Promise<HandlerResult>;
}

export interface MountEntry {
  /** With trailing slash, relative to its namespace: `secret/`. */
  readonly path: string;
  readonly type: string;
  readonly accessor: string;
  readonly uuid: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>> | null;
  readonly engine: Engine;
}

export interface NamespaceState {
  /** '' for root, else `team-a` or `team-a/sub` (no trailing slash). */
  readonly path: string;
  /** Enterprise-style short id appended to tokens and lease ids ('' for root). */
  readonly id: string;
  readonly mounts: Map<string, MountEntry>;
  readonly auths: Map<string, MountEntry>;
  readonly policies: Map<string, Policy>;
}
