/**
 * Logs a pod in to Vault with its own service-account JWT: `auth/<mount>/login` with `role`
 * and `jwt`, which serves both the kubernetes and the jwt auth methods.
 */
import * as z from 'zod';
import { InvalidParameterError, VaultLoginError, VaultUnavailableError } from '../errors.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import type { VaultToken } from './token-cache.js';
import { vaultErrorMessages, type VaultHttp } from './vault-http.js';
import type { VaultIdentity } from './vault-identity.js';

const loginResponseSchema = z.object({
  auth: z.object({
    client_token: z.string().min(1),
    lease_duration: z.number().int().nonnegative(),
  }),
});

export function createLogin(http: VaultHttp, options: { now?: () => number; metrics?: ProviderMetrics } = {}) {
  const now = options.now ?? Date.now;
  return async (identity: VaultIdentity, signal: AbortSignal): Promise<VaultToken> => {
    const { auth, pod } = identity;
    const who = `service account ${pod.namespace}/${pod.serviceAccountName}`;
    const where = `auth/${auth.mountPath}/login with role "${auth.roleName}"`;
    const issuedAtMs = now();
    const response = await http
      .send(identity.connection, {
        operation: 'login',
        method: 'POST',
        path: `/v1/auth/${auth.mountPath}/login`,
        body: { role: auth.roleName, jwt: identity.jwt },
        signal,
        subject: 'login',
      })
      .catch((error: unknown) => {
        options.metrics?.vaultLogins.inc({ result: 'error' });
        throw error;
      });
    if (response.status === 200) {
      const parsed = loginResponseSchema.safeParse(response.body);
      if (!parsed.success) {
        options.metrics?.vaultLogins.inc({ result: 'error' });
        throw new VaultLoginError(
          `login: ${where} answered without a client token; check that auth/${auth.mountPath} is a kubernetes or jwt auth mount`,
        );
      }
      options.metrics?.vaultLogins.inc({ result: 'ok' });
      const ttlMs = parsed.data.auth.lease_duration * 1000;
      return {
        token: parsed.data.auth.client_token,
        issuedAtMs,
        ...(ttlMs > 0 ? { expiresAtMs: issuedAtMs + ttlMs } : {}),
      };
    }
    const messages = vaultErrorMessages(response.body).join('; ') || `HTTP ${response.status}`;
    if (response.status === 429 || response.status >= 500) {
      options.metrics?.vaultLogins.inc({ result: 'error' });
      throw new VaultUnavailableError(
        `login: Vault could not serve ${where} (HTTP ${response.status}: ${messages}); retry later`,
      );
    }
    options.metrics?.vaultLogins.inc({ result: 'denied' });
    const namespace = identity.connection.namespace;
    // Vault Enterprise and OpenBao answer a namespace header naming no namespace with 404 before
    // looking at the role: the role-binding advice below would send the operator the wrong way.
    if (response.status === 404 && namespace !== undefined && /namespace not found/i.test(messages)) {
      throw new InvalidParameterError(
        `login: Vault namespace "${namespace}" does not exist (HTTP 404: ${messages}); check vaultNamespace in the SecretProviderClass or -vault-namespace, and that the namespace exists on ${identity.connection.address}`,
      );
    }
    throw new VaultLoginError(
      `login: Vault refused ${where} for ${who} (HTTP ${response.status}: ${messages}); check that the role exists on that mount, binds this service account and namespace, and accepts the token audience "${auth.audience}"`,
    );
  };
}
