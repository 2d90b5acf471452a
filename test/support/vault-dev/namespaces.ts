/**
 * Enterprise-style namespaces (vault-api.md §1.3). Each namespace has its own mounts, auth
 * methods and policies; a new one starts with a KV v2 `secret/` mount (like our root) and the
 * `default` policy. A request's namespace is found from `X-Vault-Namespace` + path: the longest
 * existing namespace prefix of `<header>/<path>` wins, so `ns1/` + `secret/x` ≡ `ns1/secret/x`.
 * A header naming a namespace that does not exist is 404 `namespace not found` before any token
 * check (as OpenBao 2.7.2 answers, test/real/contract); an unknown namespace written in the path
 * is left in the path, where ACL (403) or routing (404 "no handler") rejects it.
 */
import { DEFAULT_POLICY_RULES, renderPolicyHcl } from './acl.js';
import { errorResponse } from './errors.js';
import { base62, uuid } from './ids.js';
import { KvV2Engine } from './kv-v2.js';
import type { Engine, MountEntry, NamespaceState } from './state.js';

export function mountEntry(
  path: string,
  type: string,
  engine: Engine,
  options: Record<string, string> | null,
  description = '',
): MountEntry {
  const normalized = path.replace(/^\/+|\/+$/g, '');
  return {
    path: `${normalized}/`,
    type,
    accessor: `${type}_${base62(8).toLowerCase()}`,
    uuid: uuid(),
    description,
    options,
    engine,
  };
}

/** Longest mount whose path prefixes `path` (paths relative to the namespace). */
export function findMount(mounts: ReadonlyMap<string, MountEntry>, path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const mount of mounts.values()) {
    if (
      (path.startsWith(mount.path) || `${path}/` === mount.path) &&
      (best === undefined || mount.path.length > best.path.length)
    ) {
      best = mount;
    }
  }
  return best;
}

export function newNamespaceState(path: string, now: () => number): NamespaceState {
  const state: NamespaceState = {
    path,
    id: path === '' ? '' : base62(5),
    mounts: new Map(),
    auths: new Map(),
    policies: new Map([
      ['default', { name: 'default', rules: DEFAULT_POLICY_RULES, text: renderPolicyHcl(DEFAULT_POLICY_RULES) }],
    ]),
  };
  const secret = mountEntry('secret', 'kv', new KvV2Engine(now), { version: '2' }, 'key/value secret storage');
  state.mounts.set(secret.path, secret);
  return state;
}

export class NamespaceRegistry {
  private readonly namespaces = new Map<string, NamespaceState>();

  constructor(private readonly now: () => number) {}

  get root(): NamespaceState {
    const root = this.namespaces.get('');
    if (root === undefined) throw new Error('root namespace missing');
    return root;
  }

  setRoot(state: NamespaceState): void {
    this.namespaces.set('', state);
  }

  get(path: string): NamespaceState | undefined {
    return this.namespaces.get(normalizeNamespace(path));
  }

  /** Create `path` (relative to `parent`); the parent chain must exist. Idempotent. */
  create(path: string, parent = ''): NamespaceState {
    const full = normalizeNamespace(parent === '' ? path : `${parent}/${path}`);
    if (full === '') throw errorResponse('namespace path cannot be empty');
    const existing = this.namespaces.get(full);
    if (existing !== undefined) return existing;
    const parentPath = full.includes('/') ? full.slice(0, full.lastIndexOf('/')) : '';
    if (!this.namespaces.has(parentPath))
      throw errorResponse(`parent namespace ${JSON.stringify(parentPath)} does not exist`);
    const state = newNamespaceState(full, this.now);
    this.namespaces.set(full, state);
    return state;
  }

  delete(path: string): boolean {
    const full = normalizeNamespace(path);
    if (full === '') return false;
    for (const key of [...this.namespaces.keys()])
      if (key === full || key.startsWith(`${full}/`)) this.namespaces.delete(key);
    return true;
  }

  children(parent: string): string[] {
    const prefix = parent === '' ? '' : `${parent}/`;
    return [...this.namespaces.keys()]
      .filter((k) => k !== '' && k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
      .map((k) => `${k.slice(prefix.length)}/`)
      .sort();
  }

  /** Split header + path into (namespace, path inside it). */
  resolve(header: string | undefined, path: string): { namespace: NamespaceState; path: string } {
    const headerPath = normalizeNamespace(header ?? '');
    if (headerPath !== '' && !this.namespaces.has(headerPath)) throw errorResponse('namespace not found', 404);
    const combined = headerPath === '' ? path : `${headerPath}/${path}`;
    let best = this.root;
    for (const [nsPath, state] of this.namespaces) {
      if (nsPath !== '' && combined.startsWith(`${nsPath}/`) && nsPath.length > best.path.length) best = state;
    }
    return { namespace: best, path: best.path === '' ? combined : combined.slice(best.path.length + 1) };
  }
}

export function normalizeNamespace(value: string): string {
  return value.trim().replace(/^\/+|\/+$/g, '');
}
