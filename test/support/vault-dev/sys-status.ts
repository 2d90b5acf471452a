/**
 * Unauthenticated status endpoints (vault-api.md §1.7): `sys/health` and `sys/seal-status` with
 * their bare (non-envelope) bodies, and `sys/internal/ui/mounts[/<path>]`, which the Vault CLI
 * uses to tell KV v1 from v2 and which authorises by "any access below the mount".
 */
import { hasMountAccess } from './acl.js';
import type { VaultCore } from './core.js';
import { logical, type HandlerResult } from './envelope.js';
import { errorResponse, invalidToken, noToken } from './errors.js';
import { uuid } from './ids.js';
import { findMount } from './namespaces.js';
import type { MountEntry, NamespaceState } from './state.js';

export const VERSION = '1.19.0+ent';
const CLUSTER = { name: `vault-cluster-${uuid().slice(0, 8)}`, id: uuid() };

export function health(core: VaultCore, query: URLSearchParams, method: string): HandlerResult {
  const code = (name: string, fallback: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw errorResponse(`unable to parse ${name} code: strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
    return parsed;
  };
  const active = code('activecode', 200);
  const sealedCode = code('sealedcode', 503);
  for (const name of ['standbycode', 'drsecondarycode', 'performancestandbycode', 'uninitcode']) code(name, 0);
  const status = core.sealed ? sealedCode : active;
  const body: Record<string, unknown> = {
    initialized: true,
    sealed: core.sealed,
    standby: core.sealed,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(core.now() / 1000),
    version: VERSION,
    enterprise: true,
  };
  if (!core.sealed) {
    body.cluster_name = CLUSTER.name;
    body.cluster_id = CLUSTER.id;
  }
  body.echo_duration_ms = 0;
  body.clock_skew_ms = 0;
  return { kind: 'raw', status, body: method === 'HEAD' ? undefined : body };
}

export function sealStatus(core: VaultCore): HandlerResult {
  const body: Record<string, unknown> = {
    type: 'shamir',
    initialized: true,
    sealed: core.sealed,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: VERSION,
    build_date: '2025-03-04T00:00:00Z',
    migration: false,
  };
  if (!core.sealed) {
    body.cluster_name = CLUSTER.name;
    body.cluster_id = CLUSTER.id;
  }
  body.recovery_seal = false;
  body.storage_type = 'inmem';
  return { kind: 'raw', status: 200, body };
}

export function mountInfo(mount: MountEntry, relativePath: string): Record<string, unknown> {
  return {
    accessor: mount.accessor,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    // Built-in plugins report "supported" (HashiCorp Vault 1.12+, OpenBao 2.7.2).
    deprecation_status: 'supported',
    description: mount.description,
    external_entropy_access: false,
    local: false,
    options: mount.options === null ? null : { ...mount.options },
    path: relativePath,
    plugin_version: '',
    running_plugin_version: `v${VERSION.replace('+ent', '')}+builtin`,
    running_sha256: '',
    seal_wrap: false,
    type: mount.type,
    uuid: mount.uuid,
  };
}

/** `GET sys/internal/ui/mounts/<path>`: the token is optional for the route but needed for access. */
export function uiMounts(
  core: VaultCore,
  namespace: NamespaceState,
  tokenValue: string | undefined,
  path: string,
): HandlerResult {
  if (tokenValue === undefined) throw noToken();
  const token = core.tokenFor(tokenValue, namespace);
  if (token === undefined) throw invalidToken();
  const policies = core.policiesFor(token, namespace);
  const visible = (full: string): boolean => core.isRoot(token) || hasMountAccess(policies, full);
  if (path === '') {
    const secret: Record<string, unknown> = {};
    const auth: Record<string, unknown> = {};
    for (const m of namespace.mounts.values()) if (visible(m.path)) secret[m.path] = mountInfo(m, m.path);
    for (const m of namespace.auths.values()) if (visible(`auth/${m.path}`)) auth[m.path] = mountInfo(m, m.path);
    return logical({ data: { auth, secret }, mountType: 'system' });
  }
  const isAuth = path.startsWith('auth/');
  const mount = isAuth ? findMount(namespace.auths, path.slice(5)) : findMount(namespace.mounts, path);
  const fullMountPath = mount === undefined ? '' : `${isAuth ? 'auth/' : ''}${mount.path}`;
  if (mount === undefined || !visible(fullMountPath)) {
    const shown = path.endsWith('/') ? path : `${path}/`;
    throw errorResponse(
      `preflight capability check returned 403, please ensure client's policies grant access to path ${JSON.stringify(shown)}`,
      403,
    );
  }
  return logical({ data: mountInfo(mount, fullMountPath), mountType: 'system' });
}
