/**
 * One HTTP request → one reply, in real Vault's order (vault-api.md §1): method → operation,
 * request data (query or JSON body), namespace, unauthenticated paths, token check, ACL (before
 * routing, so a non-root token gets 403 even where nothing is mounted), then the handler.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Capability } from './acl.js';
import { handleTokenAuth } from './auth-token.js';
import type { VaultCore } from './core.js';
import { buildEnvelope, encodeGoJson, errorBody, type HandlerResult } from './envelope.js';
import {
  emptyError,
  errorResponse,
  formatMultierror,
  invalidToken,
  noToken,
  permissionDenied,
  renderErrorMessages,
  unsupportedOperation,
  unsupportedPath,
  VaultError,
} from './errors.js';
import { findMount } from './namespaces.js';
import { parseRequestData } from './request-data.js';
import type { EngineRequest, MountEntry, NamespaceState, Operation } from './state.js';
import { handleSysAdmin } from './sys-admin.js';
import { handleLeases } from './sys-leases.js';
import { health, sealStatus, uiMounts } from './sys-status.js';

export interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Root-protected sys paths: need `sudo` in addition to the operation's capability. */
const SUDO_PATHS = [/^sys\/auth\/.+/, /^sys\/leases\/(revoke-prefix|revoke-force|lookup)\/.*/];

const METHOD_OPERATIONS: Readonly<Record<string, Operation>> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'update',
  PUT: 'update',
  DELETE: 'delete',
  LIST: 'list',
  PATCH: 'patch',
};

function parseGoBool(value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw emptyError(400);
}

const htmlEscape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] ?? c);

function isCleanPath(pathname: string): boolean {
  return !/\/\/|\/\.\.?(\/|$)/.test(pathname);
}

function cleanPath(pathname: string): string {
  const out: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}${pathname.endsWith('/') && out.length > 0 ? '/' : ''}`;
}

interface Target {
  readonly kind: 'sys' | 'token' | 'auth' | 'mount' | 'none';
  readonly mount?: MountEntry;
  /** Path relative to the mount (or to `sys/`, `auth/token/`). */
  readonly rest: string;
}

function locate(namespace: NamespaceState, path: string): Target {
  if (path === 'sys' || path.startsWith('sys/')) return { kind: 'sys', rest: path.slice(4) };
  if (path.startsWith('auth/token/')) return { kind: 'token', rest: path.slice(11) };
  if (path.startsWith('auth/')) {
    const mount = findMount(namespace.auths, path.slice(5));
    if (mount === undefined) return { kind: 'none', rest: path };
    return { kind: 'auth', mount, rest: path.slice(5 + mount.path.length) };
  }
  const mount = findMount(namespace.mounts, path);
  if (mount === undefined) return { kind: 'none', rest: path };
  return { kind: 'mount', mount, rest: path.slice(mount.path.length) };
}

function requiredCapabilities(operation: Operation, existence: boolean | 'either' | undefined): Capability[] {
  if (operation !== 'update') return [operation];
  if (existence === 'either') return ['create', 'update'];
  return existence === false ? ['create'] : ['update'];
}

interface Context {
  isLogin: boolean;
  operation: Operation;
}

export async function handleRequest(core: VaultCore, raw: RawRequest): Promise<Reply> {
  const nsHeader = header(raw.headers, 'x-vault-namespace');
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
  if (nsHeader !== undefined) headers['X-Vault-Namespace'] = nsHeader;
  const context: Context = { isLogin: false, operation: 'read' };
  try {
    const url = new URL(raw.url, 'http://vault.invalid');
    if (!isCleanPath(url.pathname)) {
      // Go's ServeMux: 307 to the cleaned path, with its small HTML body (not for HEAD).
      const location = `${cleanPath(url.pathname)}${url.search}`;
      return {
        status: 307,
        headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8', Location: location },
        body: raw.method === 'HEAD' ? undefined : `<a href="${htmlEscape(location)}">Temporary Redirect</a>.\n\n`,
      };
    }
    const result = await dispatch(core, raw, url, nsHeader, context);
    return render(result, context.operation, headers);
  } catch (error) {
    if (error instanceof VaultError) {
      return {
        status: error.status,
        headers: { ...headers, ...error.headers },
        body: errorBody(renderErrorMessages(error, context.isLogin)),
      };
    }
    // A plain Go error with no response is a 500, wrapped like every core error.
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, headers, body: errorBody([context.isLogin ? message : formatMultierror([message])]) };
  }
}

async function dispatch(
  core: VaultCore,
  raw: RawRequest,
  url: URL,
  nsHeader: string | undefined,
  context: Context,
): Promise<HandlerResult> {
  if (!url.pathname.startsWith('/v1/')) throw emptyError(404);
  let path = decodeURIComponent(url.pathname.slice(4));
  let operation = METHOD_OPERATIONS[raw.method];
  if (operation === undefined) throw emptyError(405);
  const query = url.searchParams;
  if (raw.method === 'GET' && query.has('list')) {
    if (parseGoBool(query.get('list') ?? '')) operation = 'list';
  }
  if (operation === 'patch' && !(header(raw.headers, 'content-type') ?? '').includes('application/merge-patch+json')) {
    throw new VaultError(415, ['PATCH requires Content-Type application/merge-patch+json'], 'plain');
  }
  const isWrite = operation === 'update' || operation === 'patch';
  const data = isWrite ? parseRequestData(raw.body, header(raw.headers, 'content-type')) : queryData(query);
  if (operation === 'list' && !path.endsWith('/')) path += '/';
  if (operation === 'update' && path.endsWith('/')) throw errorResponse("cannot write to a path ending in '/'");
  if (header(raw.headers, 'x-vault-wrap-ttl') !== undefined) {
    throw errorResponse('response wrapping (X-Vault-Wrap-TTL) is not supported by the dev Vault server');
  }
  const resolved = core.namespaces.resolve(nsHeader, path);
  path = resolved.path;
  const namespace = SELF_TOKEN_PATH.test(path)
    ? ownNamespace(core, raw.headers, resolved.namespace)
    : resolved.namespace;
  context.operation = operation;

  // Unauthenticated endpoints.
  if (path === 'sys/health' || path === 'sys/seal-status') {
    // Root-namespace only, sealed or not (OpenBao 2.7.2; vault-api.md §1.3): the circuit
    // breaker's probe must go without the namespace header.
    if (namespace.path !== '') throw errorResponse('operation unavailable in namespaces');
    if (operation !== 'read') throw emptyError(405);
    return path === 'sys/health' ? health(core, query, raw.method) : sealStatus(core);
  }
  const tokenValue = tokenFromHeaders(raw.headers);
  if (
    path === 'sys/internal/ui/mounts/' ||
    path === 'sys/internal/ui/mounts' ||
    path.startsWith('sys/internal/ui/mounts/')
  ) {
    if (operation !== 'read') throw emptyError(405);
    return uiMounts(core, namespace, tokenValue, path.slice('sys/internal/ui/mounts/'.length));
  }
  const target = locate(namespace, path);
  const engineRequest = (token: EngineRequest['token'], op: Operation): EngineRequest => ({
    operation: op,
    path: target.rest,
    fullPath: path,
    data,
    namespace,
    token,
    mountPath: target.mount?.path ?? '',
    core,
    remoteAddress: raw.remoteAddress,
  });
  if (target.kind === 'auth' && target.mount !== undefined && /^login(\/|$)/.test(target.rest)) {
    context.isLogin = true;
    return target.mount.engine.handle(engineRequest(undefined, operation));
  }

  if (tokenValue === undefined) throw noToken();
  const token = core.tokenFor(tokenValue, namespace);
  if (token === undefined) throw invalidToken();
  // HEAD is Vault's "header" operation: no policy capability grants it (403), and no backend
  // the provider reads supports it (405 for root). No body goes out on HEAD either way.
  if (raw.method === 'HEAD') throw core.isRoot(token) ? unsupportedOperation() : permissionDenied();

  const existence = operation === 'update' ? target.mount?.engine.existence?.(target.rest) : undefined;
  if (!core.isRoot(token)) {
    const caps = core.capabilities(token, namespace, path, operation === 'list');
    const needed = requiredCapabilities(operation, existence);
    const sudo = SUDO_PATHS.some((re) => re.test(path));
    const allowed = !caps.has('deny') && needed.some((c) => caps.has(c)) && (!sudo || caps.has('sudo'));
    if (!allowed) throw permissionDenied();
  }
  const op: Operation = operation === 'update' && existence === false ? 'create' : operation;
  const request = engineRequest(token, op);
  switch (target.kind) {
    case 'sys': {
      if (/^(leases\/)?(renew|revoke|lookup)(\/|$)/.test(target.rest)) return handleLeases(request, target.rest);
      const result = await handleSysAdmin(request, core, target.rest);
      if (result === undefined) throw unsupportedPath();
      return result;
    }
    case 'token':
      return handleTokenAuth(request);
    case 'auth':
    case 'mount':
      if (target.mount === undefined) throw unsupportedPath();
      return target.mount.engine.handle(request);
    case 'none': {
      const shown = namespace.path === '' ? path : `${namespace.path}/${path}`;
      throw errorResponse(`no handler for route ${JSON.stringify(shown)}. route entry not found.`, 404);
    }
  }
}

/** The token store's endpoints about the caller's own token. */
const SELF_TOKEN_PATH = /^auth\/token\/(lookup|renew|revoke)-self$/;

/**
 * A token acts on itself in its own namespace: a namespaced token renews itself without the
 * namespace header (OpenBao 2.7.2, test/real/contract), as long as it lives at or below the
 * namespace the request names.
 */
function ownNamespace(core: VaultCore, headers: IncomingHttpHeaders, requested: NamespaceState): NamespaceState {
  const value = tokenFromHeaders(headers);
  const token = value === undefined ? undefined : core.tokens.lookup(value);
  if (token === undefined || token.namespace === requested.path) return requested;
  const inside = requested.path === '' || token.namespace.startsWith(`${requested.path}/`);
  return (inside ? core.namespaces.get(token.namespace) : undefined) ?? requested;
}

function tokenFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const direct = header(headers, 'x-vault-token')?.trim();
  if (direct !== undefined && direct !== '') return direct;
  const authorization = header(headers, 'authorization');
  if (authorization?.startsWith('Bearer ') === true) {
    const bearer = authorization.slice(7).trim();
    if (bearer !== '') return bearer;
  }
  return undefined;
}

function queryData(query: URLSearchParams): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of query) if (key !== 'list' && !(key in data)) data[key] = value;
  return data;
}

function render(result: HandlerResult, operation: Operation, headers: Record<string, string>): Reply {
  const notFound = (): Reply => ({ status: 404, headers, body: errorBody([]) });
  switch (result.kind) {
    case 'raw':
      return {
        status: result.status,
        headers,
        body: result.body === undefined ? undefined : encodeGoJson(result.body),
      };
    case 'empty':
      if (operation === 'read' || operation === 'list') return notFound();
      return { status: result.status ?? 204, headers, body: undefined };
    case 'logical': {
      const hasWarnings = result.warnings !== undefined && result.warnings.length > 0;
      const noContent =
        (result.data ?? null) === null && result.auth === undefined && result.lease === undefined && !hasWarnings;
      if (result.status === undefined) {
        if (operation === 'list' && !hasWarnings) {
          const keys = result.data?.keys;
          if (!Array.isArray(keys) || keys.length === 0) return notFound();
        }
        if (noContent) return operation === 'read' ? notFound() : { status: 204, headers, body: undefined };
      }
      const mountType = result.mountType ?? '';
      return { status: result.status ?? 200, headers, body: encodeGoJson(buildEnvelope(result, mountType)) };
    }
  }
}
