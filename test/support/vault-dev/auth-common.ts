/**
 * What every auth method shares: role "token fields" (token_policies, token_ttl, …), issuing the
 * login token in the mount's namespace, and the login envelope (vault-api.md §2: top-level lease
 * fields empty, the token under `auth`). Tokens from auth methods are orphans.
 */
import { parseDurationSeconds, SYSTEM_DEFAULT_TTL_SECONDS } from './durations.js';
import { logical, type LogicalResponse } from './envelope.js';
import { errorResponse } from './errors.js';
import { uuid } from './ids.js';
import { stringList } from './jwt-verify.js';
import type { EngineRequest } from './state.js';

export interface TokenFields {
  readonly policies: readonly string[];
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly noDefaultPolicy: boolean;
}

/** Parse token fields from a role write body (new names win over legacy aliases). */
export function parseTokenFields(data: Readonly<Record<string, unknown>>): TokenFields {
  try {
    return {
      policies: stringList(data.token_policies ?? data.policies),
      ttlSeconds: parseDurationSeconds(data.token_ttl ?? data.ttl, 'token_ttl') ?? 0,
      maxTtlSeconds: parseDurationSeconds(data.token_max_ttl ?? data.max_ttl, 'token_max_ttl') ?? 0,
      noDefaultPolicy: data.token_no_default_policy === true || data.token_no_default_policy === 'true',
    };
  } catch (error) {
    throw errorResponse((error as Error).message);
  }
}

export function tokenFieldsData(fields: TokenFields): Record<string, unknown> {
  return {
    policies: [...fields.policies],
    token_max_ttl: fields.maxTtlSeconds,
    token_no_default_policy: fields.noDefaultPolicy,
    token_policies: [...fields.policies],
    token_ttl: fields.ttlSeconds,
    token_type: 'default',
    ttl: fields.ttlSeconds,
    max_ttl: fields.maxTtlSeconds,
  };
}

export interface LoginGrant {
  readonly fields: TokenFields;
  readonly meta: Readonly<Record<string, string>>;
  readonly displayName: string;
  readonly aliasName: string;
  readonly mountType: string;
}

export function issueLogin(request: EngineRequest, grant: LoginGrant): LogicalResponse {
  const aliasKey = `${request.namespace.path}|${request.mountPath}|${grant.aliasName}`;
  const entityId = request.core.entities.get(aliasKey) ?? uuid();
  request.core.entities.set(aliasKey, entityId);
  const maxTtl = grant.fields.maxTtlSeconds > 0 ? grant.fields.maxTtlSeconds : SYSTEM_DEFAULT_TTL_SECONDS;
  const ttl = grant.fields.ttlSeconds > 0 ? grant.fields.ttlSeconds : SYSTEM_DEFAULT_TTL_SECONDS;
  const policies = grant.fields.noDefaultPolicy ? grant.fields.policies : [...grant.fields.policies, 'default'];
  const token = request.core.tokens.issue({
    namespace: request.namespace.path,
    namespaceId: request.namespace.id,
    policies,
    meta: grant.meta,
    displayName: grant.displayName,
    path: request.fullPath,
    entityId,
    ttlSeconds: Math.min(ttl, maxTtl),
    maxTtlSeconds: maxTtl,
    mountType: grant.mountType,
  });
  return logical({
    data: null,
    auth: request.core.tokens.authBlock(token, token.creationTtlSeconds),
    mountType: grant.mountType,
  });
}

export function mountDisplayPrefix(mountPath: string): string {
  return mountPath.replace(/\/$/, '').replace(/\//g, '-');
}
