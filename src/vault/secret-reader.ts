/**
 * Reads (or issues) one planned request as one identity. A 403 on a cached token means the
 * token may have been revoked or expired early: log in once more and retry once. A 403 with a
 * token we just obtained is final: the role's policies do not allow the path. Then, as for a 404,
 * a KV v2 path written without `data/` gets the corrected path in the message: the mount's type
 * comes from Vault's preflight `sys/internal/ui/mounts/<path>`, asked with the pod's own token
 * and only after a refusal.
 */
import {
  InternalError,
  SecretNotFoundError,
  VaultBadRequestError,
  VaultPermissionDeniedError,
  VaultUnavailableError,
} from '../errors.js';
import * as z from 'zod';
import type { ProviderMetrics } from '../observability/metrics.js';
import { SharedFlight } from '../async/shared-flight.js';
import type { TokenCache } from './token-cache.js';
import { vaultErrorMessages, vaultWarnings, type VaultHttp, type VaultHttpResponse } from './vault-http.js';
import { identityKey, type VaultIdentity } from './vault-identity.js';
import type { VaultRequest, VaultSecret } from './vault-request.js';

/** What `sys/internal/ui/mounts/<path>` says about the mount serving a path. */
const MountInfoSchema = z.object({
  data: z.object({
    path: z.string(),
    type: z.string(),
    options: z.object({ version: z.string().optional() }).nullable().optional(),
  }),
});

/** A KV v2 path already naming one of the engine's endpoints. */
const KV_V2_ROOTS = /^(data|metadata|delete|undelete|destroy|subkeys|config)(\/|$)/;

export class SecretReader {
  /** Identical reads in flight for one identity (two volumes of one pod, a republish racing a mount). */
  private readonly inFlight = new SharedFlight<VaultSecret>();

  constructor(
    private readonly http: VaultHttp,
    private readonly tokens: TokenCache,
    private readonly metrics?: ProviderMetrics,
  ) {}

  /**
   * `subject` names the object(s) in error messages, e.g. `object "db-password"`. Identical
   * concurrent reads of the same identity share one request: for a dynamic secret that is what one
   * Mount would have received anyway, and the key includes the identity, so no pod ever gets
   * another pod's answer.
   */
  read(identity: VaultIdentity, request: VaultRequest, subject: string, signal: AbortSignal): Promise<VaultSecret> {
    const key = JSON.stringify([identityKey(identity), request.key]);
    return this.inFlight.run(
      key,
      signal,
      (shared) => this.readOnce(identity, request, subject, shared),
      () => this.metrics?.vaultReadsCoalesced.inc(),
    );
  }

  private async readOnce(
    identity: VaultIdentity,
    request: VaultRequest,
    subject: string,
    signal: AbortSignal,
  ): Promise<VaultSecret> {
    let lease = await this.tokens.acquire(identity, signal);
    let response = await this.send(identity, request, lease.token.token, subject, signal);
    if (response.status === 403 && !lease.fresh) {
      this.tokens.invalidate(identity, lease.token);
      lease = await this.tokens.acquire(identity, signal);
      response = await this.send(identity, request, lease.token.token, subject, signal);
    }
    const kvPath =
      response.status === 403 ? await this.kvVersion2Path(identity, request, lease.token.token, signal) : undefined;
    return interpret(response, identity, request, subject, kvPath);
  }

  /** The `data/` path meant, when `request` is a KV v2 secret path written without it. */
  private async kvVersion2Path(
    identity: VaultIdentity,
    request: VaultRequest,
    token: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const apiPath = request.path.replace(/^\/v1\//, '');
    const response = await this.http
      .send(identity.connection, {
        operation: 'lookup',
        method: 'GET',
        path: `/v1/sys/internal/ui/mounts/${apiPath}`,
        token,
        signal,
        subject: 'mount lookup',
      })
      .catch(() => undefined);
    const mount = MountInfoSchema.safeParse(response?.status === 200 ? response.body : undefined);
    if (!mount.success || mount.data.data.type !== 'kv' || mount.data.data.options?.version !== '2') return undefined;
    const mountPath = mount.data.data.path;
    if (!apiPath.startsWith(mountPath)) return undefined;
    const rest = apiPath.slice(mountPath.length);
    if (KV_V2_ROOTS.test(rest)) return undefined;
    return `${mountPath}data/${rest}`;
  }

  private send(identity: VaultIdentity, request: VaultRequest, token: string, subject: string, signal: AbortSignal) {
    return this.http.send(identity.connection, {
      operation: 'read',
      method: request.method,
      path: request.path,
      query: request.query,
      body: request.body,
      token,
      signal,
      subject,
    });
  }
}

function interpret(
  response: VaultHttpResponse,
  identity: VaultIdentity,
  request: VaultRequest,
  subject: string,
  kvVersion2Path: string | undefined,
): VaultSecret {
  const apiPath = request.path.replace(/^\/v1\//, '');
  const detail = scrubArguments(vaultErrorMessages(response.body).join('; '), request.body);
  const warnings = scrubArguments(vaultWarnings(response.body).join('; '), request.body);
  const { status } = response;
  if (status === 200) {
    if (typeof response.body !== 'object' || response.body === null || Array.isArray(response.body)) {
      throw new VaultUnavailableError(`${subject}: Vault answered ${apiPath} with a body that is not a JSON object`);
    }
    const secret = response.body as VaultSecret;
    if (secret.wrap_info !== undefined && secret.wrap_info !== null) {
      throw new VaultBadRequestError(
        `${subject}: Vault wrapped the response of ${apiPath}; response wrapping is not supported for mounts`,
      );
    }
    return secret;
  }
  if (status === 204 || (status >= 200 && status < 300)) {
    throw new SecretNotFoundError(
      `${subject}: Vault returned an empty response for ${apiPath}${warnings ? ` (warnings: ${warnings})` : ''}`,
    );
  }
  if (status >= 300 && status < 400) {
    throw new VaultUnavailableError(
      `${subject}: Vault answered ${apiPath} with a redirect (HTTP ${status}), which the provider does not follow; point the address at the active node or a load balancer`,
    );
  }
  if (status === 403) {
    const verb = request.method === 'GET' ? 'read' : request.method === 'LIST' ? 'list' : 'update';
    const kvHint =
      kvVersion2Path === undefined
        ? ''
        : `; ${apiPath} is on a KV version 2 mount, where the path needs "data/": ${kvVersion2Path}`;
    throw new VaultPermissionDeniedError(
      `${subject}: permission denied on ${apiPath} for role "${identity.auth.roleName}"${detail && detail !== 'permission denied' ? ` (${detail})` : ''}${kvHint}; check that the role's policies grant "${verb}" on "${kvVersion2Path ?? apiPath}"`,
    );
  }
  if (status === 404) {
    const kvHint = warnings.includes('versioned K/V')
      ? '; for KV version 2 the path needs "data/", e.g. secret/data/app'
      : '';
    throw new SecretNotFoundError(
      `${subject}: no secret at ${apiPath}${warnings ? ` (warnings: ${warnings})` : ''}${kvHint}`,
    );
  }
  if (status === 429 || status >= 500) {
    throw new VaultUnavailableError(
      `${subject}: Vault could not serve ${apiPath} (HTTP ${status}${detail ? `: ${detail}` : ''}); retry later`,
    );
  }
  if (status >= 400) {
    throw new VaultBadRequestError(
      `${subject}: Vault rejected ${request.method} ${apiPath} (HTTP ${status}${detail ? `: ${detail}` : ''})`,
    );
  }
  throw new InternalError(`${subject}: unexpected HTTP ${status} from Vault for ${apiPath}`);
}

/**
 * Vault error texts can echo request parameters (a PKI `common_name`, say). `secretArgs` values
 * must never reach pod events, so any argument value found in a message is blanked.
 */
export function scrubArguments(message: string, args: Readonly<Record<string, unknown>> | undefined): string {
  if (args === undefined || message === '') return message;
  let result = message;
  for (const value of collectStrings(args)) {
    if (value.length >= 3) result = result.split(value).join('[redacted]');
  }
  return result;
}

function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(collectStrings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(collectStrings);
  return [];
}
