/**
 * Operator endpoints under `sys/` so the fixture can be driven like a real Vault from the
 * README (curl / vault CLI): ACL policies (HCL), secret mounts, auth methods, namespaces, and
 * `sys/capabilities-self`. The legacy listing endpoints inject `data` at the top level.
 */
import type { Policy } from './acl.js';
import { JwtAuthEngine } from './auth-jwt.js';
import { KubernetesAuthEngine } from './auth-kubernetes.js';
import type { VaultCore } from './core.js';
import { DatabaseEngine } from './database.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import { KvV1Engine } from './kv-v1.js';
import { KvV2Engine } from './kv-v2.js';
import { mountEntry } from './namespaces.js';
import { PkiEngine } from './pki.js';
import { parsePolicy } from './policy-hcl.js';
import type { Engine, EngineRequest, MountEntry } from './state.js';
import { mountInfo } from './sys-status.js';

const isWrite = (r: EngineRequest): boolean => r.operation === 'create' || r.operation === 'update';
const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

export function writePolicyText(request: EngineRequest, name: string, text: string): void {
  if (name === 'root') throw errorResponse('cannot update "root" policy');
  let rules;
  try {
    rules = parsePolicy(text);
  } catch (error) {
    throw errorResponse((error as Error).message);
  }
  request.namespace.policies.set(name, { name, rules, text } satisfies Policy);
}

function handlePolicies(request: EngineRequest, name: string, legacy: boolean): HandlerResult {
  const { policies } = request.namespace;
  if (name === '' && (request.operation === 'list' || request.operation === 'read')) {
    const keys = [...policies.keys(), 'root'].sort();
    return logical({ data: legacy ? { keys, policies: keys } : { keys }, inject: legacy, mountType: 'system' });
  }
  if (name === '') throw unsupportedPath();
  if (request.operation === 'read') {
    const policy = name === 'root' ? { name, text: '' } : policies.get(name);
    if (policy === undefined) return empty();
    return logical({
      data: legacy ? { name, rules: policy.text } : { name, policy: policy.text },
      inject: legacy,
      mountType: 'system',
    });
  }
  if (request.operation === 'delete') {
    if (name === 'default' || name === 'root') throw errorResponse(`cannot delete ${JSON.stringify(name)} policy`);
    policies.delete(name);
    return empty();
  }
  if (!isWrite(request)) throw unsupportedOperation();
  const text = request.data.policy ?? request.data.rules;
  if (typeof text !== 'string' || text.trim() === '') throw errorResponse("'policy' parameter not supplied or empty");
  writePolicyText(request, name, text);
  return empty();
}

async function engineFor(
  core: VaultCore,
  type: string,
  options: Record<string, unknown>,
): Promise<{ engine: Engine; options: Record<string, string> | null }> {
  const version =
    typeof options.version === 'number' || typeof options.version === 'string' ? String(options.version) : '1';
  switch (type) {
    case 'kv':
    case 'generic':
      return version === '2'
        ? { engine: new KvV2Engine(core.now), options: { version: '2' } }
        : { engine: new KvV1Engine(), options: { version: '1' } };
    case 'kv-v2':
      return { engine: new KvV2Engine(core.now), options: { version: '2' } };
    case 'database':
      return { engine: new DatabaseEngine(core.leases), options: null };
    case 'pki':
      return { engine: await PkiEngine.create(core.now()), options: null };
    default:
      throw errorResponse(`plugin not found in the catalog: ${type}`);
  }
}

function listing(mounts: ReadonlyMap<string, MountEntry>): Record<string, unknown> {
  return Object.fromEntries([...mounts.values()].map((m) => [m.path, mountInfo(m, m.path)]));
}

async function handleMounts(
  request: EngineRequest,
  core: VaultCore,
  path: string,
  auth: boolean,
): Promise<HandlerResult> {
  const table = auth ? request.namespace.auths : request.namespace.mounts;
  if (path === '') {
    if (request.operation !== 'read') throw unsupportedOperation();
    return logical({ data: listing(table), inject: true, mountType: 'system' });
  }
  const key = `${path.replace(/^\/+|\/+$/g, '')}/`;
  if (request.operation === 'delete') {
    table.delete(key);
    return empty();
  }
  if (request.operation === 'read') {
    const mount = table.get(key);
    return mount === undefined ? empty() : logical({ data: mountInfo(mount, mount.path), mountType: 'system' });
  }
  if (!isWrite(request)) throw unsupportedOperation();
  const type = typeof request.data.type === 'string' ? request.data.type : '';
  if (type === '') throw errorResponse('backend type must be specified as a string');
  if (table.has(key) || (!auth && RESERVED.some((r) => key.startsWith(r))) || (auth && key === 'token/')) {
    throw errorResponse(`path is already in use at ${key}`);
  }
  const description = typeof request.data.description === 'string' ? request.data.description : '';
  if (auth) {
    if (type !== 'kubernetes' && type !== 'jwt' && type !== 'oidc')
      throw errorResponse(`plugin not found in the catalog: ${type}`);
    const engine = type === 'kubernetes' ? new KubernetesAuthEngine() : new JwtAuthEngine();
    table.set(key, mountEntry(key, type, engine, null, description));
    return empty();
  }
  const rawOptions = request.data.options;
  const options = rawOptions !== null && typeof rawOptions === 'object' ? (rawOptions as Record<string, unknown>) : {};
  const built = await engineFor(core, type, options);
  table.set(
    key,
    mountEntry(key, type === 'kv-v2' || type === 'generic' ? 'kv' : type, built.engine, built.options, description),
  );
  return empty();
}

function handleNamespaces(request: EngineRequest, core: VaultCore, path: string): HandlerResult {
  const parent = request.namespace.path;
  if (path === '') {
    if (request.operation !== 'list') throw unsupportedOperation();
    const keys = core.namespaces.children(parent);
    return keys.length === 0 ? empty() : logical({ data: { keys }, mountType: 'system' });
  }
  const full = parent === '' ? path.replace(/\/+$/, '') : `${parent}/${path.replace(/\/+$/, '')}`;
  const info = (id: string): Record<string, unknown> => ({
    custom_metadata: {},
    id,
    path: `${path.replace(/\/+$/, '')}/`,
  });
  if (request.operation === 'read') {
    const existing = core.namespaces.get(full);
    return existing === undefined ? empty() : logical({ data: info(existing.id), mountType: 'system' });
  }
  if (request.operation === 'delete') {
    core.namespaces.delete(full);
    return empty();
  }
  if (!isWrite(request)) throw unsupportedOperation();
  const created = core.namespaces.create(path, parent);
  return logical({ data: info(created.id), mountType: 'system' });
}

function capabilitiesSelf(request: EngineRequest, core: VaultCore): HandlerResult {
  if (!isWrite(request)) throw unsupportedOperation();
  const token = request.token;
  if (token === undefined) throw errorResponse('missing token');
  const raw = request.data.paths ?? request.data.path;
  const paths = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [];
  if (paths.length === 0) throw errorResponse("'paths' must be supplied");
  const data: Record<string, unknown> = {};
  for (const path of paths) {
    const caps = [...core.capabilities(token, request.namespace, path.replace(/^\/+/, ''))].sort();
    data[path] = caps.length === 0 ? ['deny'] : caps;
  }
  if (paths.length === 1) data.capabilities = data[paths[0] ?? ''];
  return logical({ data, inject: true, mountType: 'system' });
}

/** Dispatch for admin sys paths; `path` is relative to `sys/`. Returns undefined when not ours. */
export async function handleSysAdmin(
  request: EngineRequest,
  core: VaultCore,
  path: string,
): Promise<HandlerResult | undefined> {
  const [head = '', ...rest] = path.split('/');
  const tail = rest.join('/');
  if (head === 'policies' && rest[0] === 'acl') return handlePolicies(request, rest.slice(1).join('/'), false);
  if (head === 'policy') return handlePolicies(request, tail, true);
  if (head === 'mounts') return handleMounts(request, core, tail, false);
  if (head === 'auth') return handleMounts(request, core, tail, true);
  if (head === 'namespaces') return handleNamespaces(request, core, tail);
  if (path === 'capabilities-self') return capabilitiesSelf(request, core);
  return undefined;
}
