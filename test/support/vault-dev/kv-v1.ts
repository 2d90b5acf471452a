/**
 * KV version 1 (vault-api.md §3.1): a flat map of paths to JSON objects, no versions, no leases.
 * A read advertises the mount's default lease TTL (or the secret's own `ttl`/`lease`) as an
 * advisory `lease_duration` with an empty `lease_id`.
 */
import { parseDurationSeconds, SYSTEM_DEFAULT_TTL_SECONDS } from './durations.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation } from './errors.js';
import type { Engine, EngineRequest, Existence } from './state.js';

/** Immediate children of `prefix` among `paths`: `name` for leaves, `name/` for folders, sorted. */
export function listChildren(paths: Iterable<string>, prefix: string): string[] {
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(prefix) || path === prefix) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  return [...keys].sort();
}

export function listResponse(keys: readonly string[], mountType: string): HandlerResult {
  return keys.length === 0 ? empty() : logical({ data: { keys: [...keys] }, mountType });
}

export class KvV1Engine implements Engine {
  readonly type = 'kv';
  private readonly entries = new Map<string, Record<string, unknown>>();

  existence(path: string): Existence {
    return this.entries.has(path);
  }

  /** Admin helper: overwrite, as a PUT would. */
  write(path: string, data: Record<string, unknown>): void {
    this.entries.set(path, structuredClone(data));
  }

  delete(path: string): void {
    this.entries.delete(path);
  }

  handle(request: EngineRequest): HandlerResult {
    const { path } = request;
    switch (request.operation) {
      case 'read': {
        const stored = this.entries.get(path);
        if (stored === undefined) return empty();
        return logical({
          data: structuredClone(stored),
          lease: { leaseId: '', renewable: false, leaseDurationSeconds: advisoryTtl(stored) },
          mountType: this.type,
        });
      }
      case 'list':
        return listResponse(listChildren(this.entries.keys(), path), this.type);
      case 'create':
      case 'update':
        if (Object.keys(request.data).length === 0) throw errorResponse('missing data fields');
        this.entries.set(path, structuredClone({ ...request.data }));
        return empty();
      case 'delete':
        this.entries.delete(path);
        return empty();
      case 'patch':
        throw unsupportedOperation();
    }
  }
}

function advisoryTtl(stored: Record<string, unknown>): number {
  for (const field of ['ttl', 'lease']) {
    try {
      const seconds = parseDurationSeconds(stored[field], field);
      if (seconds !== undefined) return seconds;
    } catch {
      // An unparsable ttl in stored data falls back to the mount default, as a hint only.
    }
  }
  return SYSTEM_DEFAULT_TTL_SECONDS;
}
