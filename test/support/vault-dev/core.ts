/**
 * The state of one dev Vault: namespaces (with their mounts, auth methods and policies), the
 * token store, the lease table and counters. Lives from `startDevVault` to `stop`. Both the
 * HTTP router and the in-process admin helpers act on it.
 */
import { capabilitiesFor, type Capability, type Policy } from './acl.js';
import { DatabaseEngine } from './database.js';
import { LeaseTable } from './leases.js';
import { KvV1Engine } from './kv-v1.js';
import { mountEntry, NamespaceRegistry, newNamespaceState } from './namespaces.js';
import { PkiEngine } from './pki.js';
import type { CoreServices, NamespaceState } from './state.js';
import { TokenStore, type TokenEntry } from './tokens.js';

export class VaultCore implements CoreServices {
  readonly tokens: TokenStore;
  readonly leases: LeaseTable;
  readonly namespaces: NamespaceRegistry;
  readonly counters = { certificatesIssued: 0 };
  readonly entities = new Map<string, string>();
  readonly root: TokenEntry;
  /** Set while a `sealed` fault is active: sys/health reports it. */
  sealed = false;

  private constructor(
    readonly now: () => number,
    rootToken: string,
  ) {
    this.tokens = new TokenStore(now);
    this.leases = new LeaseTable(now, (id) => this.tokens.isAliveById(id));
    this.tokens.onRevoke((token) => {
      this.leases.revokeByToken(token.id);
    });
    this.root = this.tokens.createRoot(rootToken);
    this.namespaces = new NamespaceRegistry(now);
  }

  /** Like `vault server -dev`: KV v2 at secret/, plus KV v1 at kv/, database/ and pki/ (with a CA). */
  static async create(now: () => number, rootToken: string): Promise<VaultCore> {
    const core = new VaultCore(now, rootToken);
    const root = newNamespaceState('', now);
    const pki = await PkiEngine.create(now());
    for (const mount of [
      mountEntry('kv', 'kv', new KvV1Engine(), { version: '1' }, 'key/value secret storage (v1)'),
      mountEntry('database', 'database', new DatabaseEngine(core.leases), null),
      mountEntry('pki', 'pki', pki, null),
    ]) {
      root.mounts.set(mount.path, mount);
    }
    core.namespaces.setRoot(root);
    return core;
  }

  isRoot(token: TokenEntry): boolean {
    return token.policies.includes('root');
  }

  policiesFor(token: TokenEntry, namespace: NamespaceState): Policy[] {
    return token.policies.flatMap((name) => {
      const policy = namespace.policies.get(name);
      return policy === undefined ? [] : [policy];
    });
  }

  /** Capabilities of `token` on `path` (namespace-relative); root tokens get ['root']. */
  capabilities(token: TokenEntry, namespace: NamespaceState, path: string, isList = false): Set<Capability | 'root'> {
    if (this.isRoot(token)) return new Set(['root']);
    return capabilitiesFor(this.policiesFor(token, namespace), path, isList);
  }

  /** A live token usable in this namespace (tokens are namespace-bound; root works everywhere). */
  tokenFor(value: string, namespace: NamespaceState): TokenEntry | undefined {
    const token = this.tokens.lookup(value);
    if (token === undefined) return undefined;
    if (token.namespace !== namespace.path && !this.isRoot(token)) return undefined;
    return token;
  }
}
