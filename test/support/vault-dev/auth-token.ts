/**
 * The token auth method's endpoints (vault-api.md §2.5): lookup/renew/revoke of the caller's own
 * token (all in the `default` policy), their by-value variants, and `create` for operators.
 */
import { SYSTEM_DEFAULT_TTL_SECONDS, parseDurationSeconds } from './durations.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, invalidToken, unsupportedOperation, unsupportedPath } from './errors.js';
import { stringList } from './jwt-verify.js';
import type { EngineRequest } from './state.js';
import type { TokenEntry } from './tokens.js';

const isWrite = (r: EngineRequest): boolean => r.operation === 'create' || r.operation === 'update';

function duration(value: unknown, field: string): number | undefined {
  try {
    return parseDurationSeconds(value, field);
  } catch (error) {
    throw errorResponse((error as Error).message);
  }
}

function renew(request: EngineRequest, token: TokenEntry): HandlerResult {
  const result = request.core.tokens.renew(token, duration(request.data.increment, 'increment'));
  return logical({
    data: null,
    auth: request.core.tokens.authBlock(token, result.ttlSeconds),
    warnings: result.warnings,
    mountType: 'token',
  });
}

/** The target of a by-value endpoint, which must live in the caller's namespace. */
function target(request: EngineRequest): TokenEntry {
  const value = typeof request.data.token === 'string' ? request.data.token.trim() : '';
  if (value === '') throw errorResponse('missing token');
  const token = request.core.tokens.lookup(value);
  if (token?.namespace !== request.namespace.path) throw errorResponse('bad token');
  return token;
}

function create(request: EngineRequest, caller: TokenEntry): HandlerResult {
  const d = request.data;
  const requested = stringList(d.policies);
  const isRoot = caller.policies.includes('root');
  const policies = requested.length === 0 ? caller.policies.filter((p) => p !== 'default') : requested;
  if (!isRoot && !policies.every((p) => caller.policies.includes(p))) {
    throw errorResponse('child policies must be subset of parent');
  }
  const noDefault = d.no_default_policy === true || d.no_default_policy === 'true';
  const withDefault = noDefault || policies.includes('root') ? policies : [...policies, 'default'];
  const ttl = duration(d.ttl, 'ttl') ?? SYSTEM_DEFAULT_TTL_SECONDS;
  const explicitMax = duration(d.explicit_max_ttl, 'explicit_max_ttl') ?? 0;
  const maxTtl = explicitMax > 0 ? explicitMax : SYSTEM_DEFAULT_TTL_SECONDS;
  const metaRaw = d.meta;
  const meta = metaRaw !== null && typeof metaRaw === 'object' ? (metaRaw as Record<string, string>) : null;
  const token = request.core.tokens.issue({
    namespace: request.namespace.path,
    namespaceId: request.namespace.id,
    policies: withDefault,
    meta,
    displayName: typeof d.display_name === 'string' && d.display_name !== '' ? `token-${d.display_name}` : 'token',
    path: 'auth/token/create',
    entityId: '',
    ttlSeconds: Math.min(ttl, maxTtl),
    maxTtlSeconds: maxTtl,
    mountType: 'token',
    ...(d.no_parent === true ? {} : { parentId: caller.id }),
  });
  const warnings = withDefault
    .filter((p) => p !== 'root' && !request.namespace.policies.has(p))
    .map((p) => `Policy ${JSON.stringify(p)} does not exist`);
  return logical({
    data: null,
    auth: request.core.tokens.authBlock(token, token.creationTtlSeconds),
    warnings,
    mountType: 'token',
  });
}

/** `path` is relative to `auth/token/`. The caller's token is already validated by the router. */
export function handleTokenAuth(request: EngineRequest): HandlerResult {
  const caller = request.token;
  if (caller === undefined) throw invalidToken();
  const { tokens } = request.core;
  const path = request.path;
  switch (path) {
    case 'lookup-self':
      if (request.operation !== 'read' && !isWrite(request)) throw unsupportedOperation();
      return logical({ data: tokens.lookupData(caller), mountType: 'token' });
    case 'renew-self':
      if (!isWrite(request)) throw unsupportedOperation();
      return renew(request, caller);
    case 'revoke-self':
      if (!isWrite(request)) throw unsupportedOperation();
      tokens.revoke(caller.id);
      return empty();
    case 'lookup':
      if (!isWrite(request)) throw unsupportedOperation();
      return logical({ data: tokens.lookupData(target(request)), mountType: 'token' });
    case 'renew':
      if (!isWrite(request)) throw unsupportedOperation();
      return renew(request, target(request));
    case 'revoke':
      if (!isWrite(request)) throw unsupportedOperation();
      tokens.revoke(target(request).id);
      return empty();
    case 'create':
    case 'create-orphan':
      if (!isWrite(request)) throw unsupportedOperation();
      return create(request, caller);
    default:
      throw unsupportedPath();
  }
}
