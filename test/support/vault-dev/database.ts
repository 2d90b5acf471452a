/**
 * Database-style dynamic secrets (vault-api.md §4.1): every read of `creds/<role>` mints a new
 * username/password under a new renewable lease owned by the calling token. There is no real
 * database; `isCredentialValid` answers what a database would (does this user still exist?).
 */
import { parseDurationSeconds, SYSTEM_DEFAULT_TTL_SECONDS } from './durations.js';
import { empty, ignoredParameters, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import { base62, withNamespaceSuffix } from './ids.js';
import { listResponse } from './kv-v1.js';
import type { LeaseTable } from './leases.js';
import type { Engine, EngineRequest, Existence } from './state.js';

export interface DatabaseRole {
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  /** Default true. False mimics engines whose leases cannot be renewed (the consumer must re-issue). */
  readonly renewable?: boolean;
}

export class DatabaseEngine implements Engine {
  readonly type = 'database';
  private readonly roles = new Map<string, DatabaseRole>();

  constructor(private readonly leases: LeaseTable) {}

  writeRole(name: string, role: DatabaseRole): void {
    this.roles.set(name, role);
  }

  existence(path: string): Existence {
    return path.startsWith('roles/') ? this.roles.has(path.slice(6)) : undefined;
  }

  /** Whether the "database user" still exists: its lease is alive (not revoked, expired, or orphaned by its token's death). */
  isCredentialValid(username: string): boolean {
    const lease = this.leases.findBySubject(username);
    return lease?.engine === this.type && this.leases.isAlive(lease);
  }

  handle(request: EngineRequest): HandlerResult {
    const [head, ...rest] = request.path.split('/');
    const name = rest.join('/');
    if (head === 'creds' && name !== '') {
      if (request.operation !== 'read') throw unsupportedOperation();
      return this.creds(request, name);
    }
    if (head === 'roles') return this.handleRole(request, name);
    throw unsupportedPath();
  }

  private handleRole(request: EngineRequest, name: string): HandlerResult {
    if (request.operation === 'list') return listResponse([...this.roles.keys()].sort(), this.type);
    if (name === '') throw unsupportedPath();
    switch (request.operation) {
      case 'read': {
        const role = this.roles.get(name);
        if (role === undefined) return empty();
        return logical({
          mountType: this.type,
          data: {
            db_name: 'dev',
            default_ttl: role.defaultTtlSeconds,
            max_ttl: role.maxTtlSeconds,
            creation_statements: [],
            revocation_statements: [],
          },
        });
      }
      case 'delete':
        this.roles.delete(name);
        return empty();
      case 'patch':
        throw unsupportedOperation();
      default:
        this.roles.set(name, {
          defaultTtlSeconds: parseDurationSeconds(request.data.default_ttl, 'default_ttl') ?? 0,
          maxTtlSeconds: parseDurationSeconds(request.data.max_ttl, 'max_ttl') ?? 0,
        });
        return empty();
    }
  }

  private creds(request: EngineRequest, roleName: string): HandlerResult {
    const role = this.roles.get(roleName);
    if (role === undefined) throw errorResponse(`unknown role: ${roleName}`);
    const maxTtl = role.maxTtlSeconds > 0 ? role.maxTtlSeconds : SYSTEM_DEFAULT_TTL_SECONDS;
    const ttl = Math.min(role.defaultTtlSeconds > 0 ? role.defaultTtlSeconds : SYSTEM_DEFAULT_TTL_SECONDS, maxTtl);
    // The PostgreSQL plugin's default template: v-{{display_name|8}}-{{role|8}}-{{random 20}}-{{unix_time}}.
    const display = (request.token?.displayName ?? 'token').slice(0, 8);
    const username = `v-${display}-${roleName.slice(0, 8)}-${base62(20)}-${Math.floor(request.core.now() / 1000)}`;
    const password = `A1a-${base62(20)}`;
    const id = withNamespaceSuffix(`${request.fullPath}/${base62(24)}`, request.namespace.id);
    this.leases.issue({
      id,
      namespace: request.namespace.path,
      tokenId: request.token?.id ?? '',
      ttlSeconds: ttl,
      maxTtlSeconds: maxTtl,
      renewable: role.renewable ?? true,
      engine: this.type,
      subject: username,
    });
    return logical({
      mountType: this.type,
      lease: { leaseId: id, renewable: role.renewable ?? true, leaseDurationSeconds: ttl },
      data: { password, username },
      warnings: ignoredParameters(request.data, []),
    });
  }
}
