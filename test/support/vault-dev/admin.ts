/**
 * In-process admin helpers (no HTTP): what an operator would configure with the CLI, applied
 * directly to one namespace's state. The root namespace's helpers are the DevVault's own;
 * `inNamespace(path)` gives the same helpers for an Enterprise-style namespace.
 */
import { renderPolicyHcl, type PolicyRule } from './acl.js';
import { JwtAuthEngine } from './auth-jwt.js';
import { KubernetesAuthEngine } from './auth-kubernetes.js';
import type { VaultCore } from './core.js';
import { DatabaseEngine, type DatabaseRole } from './database.js';
import { KvV1Engine } from './kv-v1.js';
import { KvV2Engine } from './kv-v2.js';
import { mountEntry } from './namespaces.js';
import { PkiEngine, type PkiRole } from './pki.js';
import type { MountEntry, NamespaceState } from './state.js';

export interface KubernetesRoleSpec {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  audience?: string;
  policies: string[];
  ttlSeconds?: number;
  maxTtlSeconds?: number;
}

export interface JwtRoleSpec {
  boundAudiences: string[];
  userClaim: string;
  boundSubject?: string;
  policies: string[];
  ttlSeconds?: number;
  maxTtlSeconds?: number;
}

export type PkiRoleSpec = PkiRole;

/** Admin helpers scoped to one namespace. */
export interface DevVaultAdmin {
  enableKv(mount: string, version: 1 | 2): void;
  writeKv(mount: string, path: string, data: Record<string, unknown>): void;
  deleteKvLatest(mount: string, path: string): void;
  enableKubernetesAuth(mount: string, config: { publicKeysPem: string[]; issuer?: string }): void;
  enableJwtAuth(mount: string, config: { publicKeysPem: string[]; boundIssuer?: string }): void;
  writeKubernetesRole(mount: string, name: string, role: KubernetesRoleSpec): void;
  writeJwtRole(mount: string, name: string, role: JwtRoleSpec): void;
  writePolicy(name: string, rules: { path: string; capabilities: string[] }[]): void;
  writeDatabaseRole(name: string, role: DatabaseRole, mount?: string): void;
  writePkiRole(name: string, role: PkiRoleSpec, mount?: string): void;
}

const key = (mount: string): string => `${mount.replace(/^\/+|\/+$/g, '')}/`;

function tokenFields(spec: { policies: string[]; ttlSeconds?: number; maxTtlSeconds?: number }): {
  policies: string[];
  ttlSeconds: number;
  maxTtlSeconds: number;
  noDefaultPolicy: boolean;
} {
  return {
    policies: [...spec.policies],
    ttlSeconds: spec.ttlSeconds ?? 0,
    maxTtlSeconds: spec.maxTtlSeconds ?? 0,
    noDefaultPolicy: false,
  };
}

export function createAdmin(core: VaultCore, namespace: () => NamespaceState): DevVaultAdmin {
  const mountOf = (mount: string): MountEntry => {
    const entry = namespace().mounts.get(key(mount));
    if (entry === undefined) throw new Error(`no secrets engine mounted at ${key(mount)}`);
    return entry;
  };
  const authOf = (mount: string): MountEntry => {
    const entry = namespace().auths.get(key(mount));
    if (entry === undefined) throw new Error(`no auth method enabled at auth/${key(mount)}`);
    return entry;
  };
  const engineOf = <T>(entry: MountEntry, type: abstract new (...args: never[]) => T, what: string): T => {
    if (!(entry.engine instanceof type)) throw new Error(`${entry.path} is not a ${what} mount`);
    return entry.engine;
  };
  const enableAuth = (mount: string, type: 'kubernetes' | 'jwt'): MountEntry => {
    const existing = namespace().auths.get(key(mount));
    if (existing?.type === type) return existing;
    const entry = mountEntry(
      mount,
      type,
      type === 'kubernetes' ? new KubernetesAuthEngine() : new JwtAuthEngine(),
      null,
    );
    namespace().auths.set(entry.path, entry);
    return entry;
  };

  return {
    enableKv(mount, version) {
      const existing = namespace().mounts.get(key(mount));
      if (existing?.type === 'kv' && existing.options?.version === String(version)) return;
      const engine = version === 2 ? new KvV2Engine(core.now) : new KvV1Engine();
      const entry = mountEntry(mount, 'kv', engine, { version: String(version) }, 'key/value secret storage');
      namespace().mounts.set(entry.path, entry);
    },
    writeKv(mount, path, data) {
      const engine = mountOf(mount).engine;
      if (engine instanceof KvV2Engine) engine.write(path, data);
      else if (engine instanceof KvV1Engine) engine.write(path, data);
      else throw new Error(`${key(mount)} is not a kv mount`);
    },
    deleteKvLatest(mount, path) {
      engineOf(mountOf(mount), KvV2Engine, 'kv v2').softDeleteLatest(path);
    },
    enableKubernetesAuth(mount, config) {
      const engine = engineOf(enableAuth(mount, 'kubernetes'), KubernetesAuthEngine, 'kubernetes');
      engine.configure({
        kubernetesHost: 'https://kubernetes.default.svc',
        pemKeys: config.publicKeysPem,
        issuer: config.issuer ?? '',
        // Setting an issuer here means "check it"; real Vault needs disable_iss_validation=false too.
        disableIssValidation: config.issuer === undefined,
      });
    },
    enableJwtAuth(mount, config) {
      const engine = engineOf(enableAuth(mount, 'jwt'), JwtAuthEngine, 'jwt');
      engine.configure({ publicKeysPem: config.publicKeysPem, boundIssuer: config.boundIssuer ?? '', defaultRole: '' });
    },
    writeKubernetesRole(mount, name, role) {
      engineOf(authOf(mount), KubernetesAuthEngine, 'kubernetes').writeRole(name, {
        boundServiceAccountNames: [...role.boundServiceAccountNames],
        boundServiceAccountNamespaces: [...role.boundServiceAccountNamespaces],
        ...(role.audience === undefined ? {} : { audience: role.audience }),
        token: tokenFields(role),
      });
    },
    writeJwtRole(mount, name, role) {
      engineOf(authOf(mount), JwtAuthEngine, 'jwt').writeRole(name, {
        roleType: 'jwt',
        boundAudiences: [...role.boundAudiences],
        userClaim: role.userClaim,
        boundSubject: role.boundSubject ?? '',
        token: tokenFields(role),
      });
    },
    writePolicy(name, rules) {
      if (name === 'root') throw new Error('cannot update "root" policy');
      const copy: PolicyRule[] = rules.map((r) => ({
        path: r.path.replace(/^\//, ''),
        capabilities: [...r.capabilities],
      }));
      namespace().policies.set(name, { name, rules: copy, text: renderPolicyHcl(copy) });
    },
    writeDatabaseRole(name, role, mount = 'database') {
      engineOf(mountOf(mount), DatabaseEngine, 'database').writeRole(name, role);
    },
    writePkiRole(name, role, mount = 'pki') {
      engineOf(mountOf(mount), PkiEngine, 'pki').writeRole(name, role);
    },
  };
}
