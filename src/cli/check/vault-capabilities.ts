/**
 * check --vault-addr: logs in as the pod would (auth/<mount>/login with a service-account JWT
 * and a role) and asks `sys/capabilities-self` which capabilities the token has on each planned
 * path. Reads no secret. The token is revoked afterwards and never printed.
 */
import { readFile } from 'node:fs/promises';
import { Agent, fetch, type Dispatcher } from 'undici';
import type { VaultRequest } from '../../vault/vault-request.js';

export interface CapabilityCheckOptions {
  readonly vaultAddress: string;
  readonly jwt: string;
  readonly role: string;
  readonly authMountPath: string;
  readonly namespace?: string;
  readonly caCertFile?: string;
}

export interface PathCapability {
  readonly method: string;
  readonly path: string;
  readonly needed: string;
  readonly granted: readonly string[];
  readonly ok: boolean;
}

export class CapabilityCheckError extends Error {
  override readonly name = 'CapabilityCheckError';
}

/** The ACL capability a request needs (Vault: GET → read, PUT/POST → update or create, …). */
function neededCapability(method: string): { needed: string; accepted: readonly string[] } {
  switch (method) {
    case 'PUT':
    case 'POST':
      return { needed: 'update', accepted: ['update', 'create'] };
    case 'LIST':
      return { needed: 'list', accepted: ['list'] };
    default:
      return { needed: 'read', accepted: ['read'] };
  }
}

function vaultError(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? errors.filter((entry) => typeof entry === 'string').join('; ') : '';
}

export async function checkCapabilities(
  options: CapabilityCheckOptions,
  requests: readonly VaultRequest[],
): Promise<PathCapability[]> {
  const dispatcher: Dispatcher | undefined =
    options.caCertFile === undefined ? undefined : new Agent({ connect: { ca: await readFile(options.caCertFile) } });
  const base = options.vaultAddress.replace(/\/+$/, '');
  const call = async (path: string, body: unknown, token?: string): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers['x-vault-token'] = token;
    if (options.namespace !== undefined) headers['x-vault-namespace'] = options.namespace;
    let response;
    try {
      response = await fetch(`${base}/v1/${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        ...(dispatcher === undefined ? {} : { dispatcher }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new CapabilityCheckError(
        `cannot reach Vault at ${base}: ${error instanceof Error ? error.message : 'error'}`,
      );
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) {
      throw new CapabilityCheckError(
        `${path}: Vault answered ${response.status}: ${vaultError(parsed) || 'no detail'}`,
      );
    }
    return parsed;
  };
  const login = (await call(`auth/${options.authMountPath}/login`, { role: options.role, jwt: options.jwt })) as {
    auth?: { client_token?: unknown };
  } | null;
  const token = login?.auth?.client_token;
  if (typeof token !== 'string' || token === '') throw new CapabilityCheckError('login returned no client token');
  try {
    const paths = [...new Set(requests.map((request) => request.path.replace(/^\/v1\//, '')))];
    const answer = (await call('sys/capabilities-self', { paths }, token)) as Record<string, unknown> | null;
    return requests.map((request) => {
      const path = request.path.replace(/^\/v1\//, '');
      const value = answer?.[path] ?? (answer?.data as Record<string, unknown> | undefined)?.[path];
      const granted = Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
      const { needed, accepted } = neededCapability(request.method);
      const ok =
        !granted.includes('deny') && (granted.includes('root') || granted.some((name) => accepted.includes(name)));
      return { method: request.method, path, needed, granted, ok };
    });
  } finally {
    // Best effort: the token would expire by itself; failing to revoke is not a check failure.
    await call('auth/token/revoke-self', {}, token).catch(() => undefined);
    await dispatcher?.close();
  }
}
