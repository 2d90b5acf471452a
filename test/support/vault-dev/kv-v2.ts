/**
 * KV version 2 (vault-api.md §3.2–3.3): versioned secrets under `data/`, metadata under
 * `metadata/`, soft delete / undelete / destroy. Reading a deleted or destroyed version is a 404
 * that carries the full envelope (no `errors`), and a path without `data/` is a 404 envelope
 * with the "Invalid path for a versioned K/V secrets engine" warning, as in real Vault.
 */
import { rfc3339Nano } from './durations.js';
import { empty, ignoredParameters, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation } from './errors.js';
import { listChildren, listResponse } from './kv-v1.js';
import type { Engine, EngineRequest, Existence, Operation } from './state.js';

interface Version {
  data: Record<string, unknown> | null;
  readonly createdMs: number;
  deletionMs: number | null;
  destroyed: boolean;
}

interface KeyRecord {
  readonly versions: Map<number, Version>;
  current: number;
  readonly createdMs: number;
  updatedMs: number;
  customMetadata: Record<string, string> | null;
  maxVersions: number;
  casRequired: boolean;
}

const DEFAULT_MAX_VERSIONS = 10;
const VERB: Readonly<Record<Operation, string>> = {
  read: 'get',
  create: 'put',
  update: 'put',
  patch: 'patch',
  list: 'list',
  delete: 'delete',
};

function invalidPath(operation: Operation): HandlerResult {
  return logical({
    status: 404,
    data: null,
    mountType: '',
    warnings: [
      `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${VERB[operation]}' for this operation.`,
    ],
  });
}

const ROOTS = ['data', 'metadata', 'delete', 'undelete', 'destroy', 'subkeys'];

export class KvV2Engine implements Engine {
  readonly type = 'kv';
  private readonly keys = new Map<string, KeyRecord>();
  private config = { maxVersions: 0, casRequired: false };

  constructor(private readonly now: () => number) {}

  existence(path: string): Existence {
    const [root, key] = splitRoot(path);
    if (root === 'data' || root === 'metadata') return this.keys.has(key);
    return undefined;
  }

  /** Admin helper and POST data/<p>: a new version. */
  write(key: string, data: Record<string, unknown>, cas?: number): KeyRecord {
    const nowMs = this.now();
    let record = this.keys.get(key);
    if (cas !== undefined || (record?.casRequired ?? false) || this.config.casRequired) {
      if (cas === undefined) throw errorResponse('check-and-set parameter required for this call');
      if (cas !== (record?.current ?? 0))
        throw errorResponse('check-and-set parameter did not match the current version');
    }
    if (record === undefined) {
      record = {
        versions: new Map(),
        current: 0,
        createdMs: nowMs,
        updatedMs: nowMs,
        customMetadata: null,
        maxVersions: 0,
        casRequired: false,
      };
      this.keys.set(key, record);
    }
    record.current += 1;
    record.updatedMs = nowMs;
    record.versions.set(record.current, {
      data: structuredClone(data),
      createdMs: nowMs,
      deletionMs: null,
      destroyed: false,
    });
    const keep = record.maxVersions || this.config.maxVersions || DEFAULT_MAX_VERSIONS;
    for (const version of [...record.versions.keys()].sort((a, b) => a - b)) {
      if (record.versions.size <= keep) break;
      record.versions.delete(version);
    }
    return record;
  }

  softDeleteLatest(key: string): void {
    const record = this.keys.get(key);
    const latest = record?.versions.get(record.current);
    if (latest?.deletionMs === null && !latest.destroyed) latest.deletionMs = this.now();
  }

  handle(request: EngineRequest): HandlerResult {
    const [root, key] = splitRoot(request.path);
    if (root === 'config') return this.handleConfig(request);
    if (!ROOTS.includes(root) || (request.path === root && request.operation === 'list')) {
      return invalidPath(request.operation);
    }
    if (key === '' && request.operation !== 'list') {
      // `data/` (with the slash) reaches the handler with an empty key: a bare 404, no warning.
      if (request.path.endsWith('/')) return empty();
      return logical({
        status: 404,
        data: null,
        mountType: '',
        warnings: ['Non-listing operations on the root of a K/V v2 mount are not supported.'],
      });
    }
    switch (root) {
      case 'data':
        return this.handleData(request, key);
      case 'metadata':
        return this.handleMetadata(request, key);
      case 'subkeys':
        return this.handleSubkeys(request, key);
      default:
        return this.handleVersionOp(request, root, key);
    }
  }

  private versionMetadata(record: KeyRecord, number: number, version: Version): Record<string, unknown> {
    return {
      created_time: rfc3339Nano(version.createdMs),
      custom_metadata: record.customMetadata,
      deletion_time: version.deletionMs === null ? '' : rfc3339Nano(version.deletionMs),
      destroyed: version.destroyed,
      version: number,
    };
  }

  private handleData(request: EngineRequest, key: string): HandlerResult {
    switch (request.operation) {
      case 'read': {
        const requested = requestedVersion(request.data.version);
        const record = this.keys.get(key);
        // 0 and negative versions mean the latest (OpenBao 2.7.2 answers ?version=-1 with it).
        const number = requested <= 0 ? (record?.current ?? 0) : requested;
        const version = record?.versions.get(number);
        if (record === undefined || version === undefined) return empty();
        const metadata = this.versionMetadata(record, number, version);
        const warnings = ignoredParameters(request.data, ['version']);
        const gone = version.destroyed || (version.deletionMs !== null && version.deletionMs <= this.now());
        if (gone) return logical({ status: 404, data: { data: null, metadata }, mountType: '', warnings });
        return logical({ data: { data: structuredClone(version.data), metadata }, mountType: this.type, warnings });
      }
      case 'create':
      case 'update': {
        const data = request.data.data;
        if (data === undefined || data === null) throw errorResponse('no data provided');
        if (typeof data !== 'object' || Array.isArray(data)) {
          throw errorResponse(`error converting input for field "data": expected a map`);
        }
        const options = request.data.options;
        const cas =
          options !== null && typeof options === 'object' ? (options as Record<string, unknown>).cas : undefined;
        const record = this.write(key, data as Record<string, unknown>, cas === undefined ? undefined : Number(cas));
        const version = record.versions.get(record.current);
        if (version === undefined) throw new Error('version just written is missing');
        return logical({ data: this.versionMetadata(record, record.current, version), mountType: this.type });
      }
      case 'delete':
        this.softDeleteLatest(key);
        return empty();
      default:
        throw unsupportedOperation();
    }
  }

  private handleMetadata(request: EngineRequest, key: string): HandlerResult {
    switch (request.operation) {
      case 'list':
        return listResponse(listChildren(this.keys.keys(), key), this.type);
      case 'read': {
        const record = this.keys.get(key);
        if (record === undefined) return empty();
        const versions: Record<string, unknown> = {};
        for (const [n, v] of record.versions) {
          versions[String(n)] = {
            created_time: rfc3339Nano(v.createdMs),
            deletion_time: v.deletionMs === null ? '' : rfc3339Nano(v.deletionMs),
            destroyed: v.destroyed,
          };
        }
        return logical({
          mountType: this.type,
          data: {
            cas_required: record.casRequired,
            created_time: rfc3339Nano(record.createdMs),
            current_version: record.current,
            custom_metadata: record.customMetadata,
            delete_version_after: '0s',
            max_versions: record.maxVersions,
            oldest_version: Math.min(...record.versions.keys()),
            updated_time: rfc3339Nano(record.updatedMs),
            versions,
          },
        });
      }
      case 'create':
      case 'update':
      case 'patch': {
        const nowMs = this.now();
        let record = this.keys.get(key);
        if (record === undefined) {
          record = {
            versions: new Map(),
            current: 0,
            createdMs: nowMs,
            updatedMs: nowMs,
            customMetadata: null,
            maxVersions: 0,
            casRequired: false,
          };
          this.keys.set(key, record);
        }
        const { max_versions: maxVersions, cas_required: casRequired, custom_metadata: custom } = request.data;
        if (maxVersions !== undefined) record.maxVersions = Number(maxVersions);
        if (casRequired !== undefined) record.casRequired = casRequired === true || casRequired === 'true';
        if (custom !== undefined) record.customMetadata = custom === null ? null : (custom as Record<string, string>);
        record.updatedMs = nowMs;
        return empty();
      }
      case 'delete':
        this.keys.delete(key);
        return empty();
    }
  }

  private handleSubkeys(request: EngineRequest, key: string): HandlerResult {
    if (request.operation !== 'read') throw unsupportedOperation();
    const record = this.keys.get(key);
    const number = Number(request.data.version ?? 0) || (record?.current ?? 0);
    const version = record?.versions.get(number);
    if (record === undefined || version === undefined || version.data === null) return empty();
    return logical({
      mountType: this.type,
      data: { metadata: this.versionMetadata(record, number, version), subkeys: subkeys(version.data) },
    });
  }

  private handleVersionOp(request: EngineRequest, root: string, key: string): HandlerResult {
    if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
    const versions = request.data.versions;
    const list = (Array.isArray(versions) ? versions : typeof versions === 'string' ? versions.split(',') : [versions])
      .filter((v) => v !== undefined && v !== '')
      .map(Number);
    if (list.length === 0) throw errorResponse('no version number provided');
    const record = this.keys.get(key);
    for (const number of list) {
      const version = record?.versions.get(number);
      if (version === undefined) continue;
      if (root === 'delete' && version.deletionMs === null && !version.destroyed) version.deletionMs = this.now();
      if (root === 'undelete' && !version.destroyed) version.deletionMs = null;
      if (root === 'destroy') {
        version.destroyed = true;
        version.data = null;
      }
    }
    return empty();
  }

  private handleConfig(request: EngineRequest): HandlerResult {
    if (request.operation === 'read') {
      return logical({
        mountType: this.type,
        data: {
          cas_required: this.config.casRequired,
          delete_version_after: '0s',
          max_versions: this.config.maxVersions,
        },
      });
    }
    if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
    if (request.data.max_versions !== undefined) this.config.maxVersions = Number(request.data.max_versions);
    if (request.data.cas_required !== undefined) this.config.casRequired = request.data.cas_required === true;
    return empty();
  }
}

/**
 * `version` as the framework's TypeInt field reads it: absent is 0, anything ParseInt refuses is
 * a 400 before the handler runs (the text is OpenBao 2.7.2's, quoting '' whatever was sent).
 */
function requestedVersion(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return Number(value);
  throw errorResponse(
    `Field validation failed: error converting input for field "version": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax`,
  );
}

function splitRoot(path: string): [string, string] {
  const slash = path.indexOf('/');
  return slash < 0 ? [path, ''] : [path.slice(0, slash), path.slice(slash + 1)];
}

function subkeys(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? subkeys(v as Record<string, unknown>) : null;
  }
  return out;
}
