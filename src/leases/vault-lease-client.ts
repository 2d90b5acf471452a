/**
 * The three Vault calls the lease cache makes outside a Mount (per process, stateless): renew a
 * lease, revoke a lease, and renew the token that owns leases. All use the pod's own Vault token
 * (the one that created the lease), never a provider identity. Responses are parsed at this
 * boundary; errors carry the lease's path prefix only (lease ids are not secret, tokens are).
 */
import * as z from 'zod';
import type { VaultConnection } from '../vault/vault-connection.js';
import type { VaultHttp } from '../vault/vault-http.js';
import { vaultErrorMessages } from '../vault/vault-http.js';
import { safeReason } from '../observability/safe-error.js';

/** What became of one call: `ok`, `refused` (Vault said no: 4xx), or `unavailable` (5xx, network). */
export type LeaseCallOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

const RenewSchema = z.looseObject({ lease_duration: z.number().int().nonnegative() });
const RenewSelfSchema = z.looseObject({ auth: z.looseObject({ lease_duration: z.number().int().nonnegative() }) });

export class VaultLeaseClient {
  constructor(
    private readonly http: VaultHttp,
    private readonly requestTimeoutMs: number,
  ) {}

  /** `PUT sys/leases/renew`; the value is the granted TTL in seconds (Vault may cap it at max TTL). */
  renewLease(
    connection: VaultConnection,
    token: string,
    leaseId: string,
    incrementSeconds: number,
  ): Promise<LeaseCallOutcome<number>> {
    return this.call(connection, 'renew', '/v1/sys/leases/renew', token, {
      lease_id: leaseId,
      increment: incrementSeconds,
    }).then((outcome) => {
      if (outcome.kind !== 'ok') return outcome;
      const parsed = RenewSchema.safeParse(outcome.value);
      return parsed.success
        ? { kind: 'ok', value: parsed.data.lease_duration }
        : { kind: 'unavailable', reason: 'renewal answer without lease_duration' };
    });
  }

  /** `PUT sys/leases/revoke`. Needs a policy line the default policy lacks (docs/leases.md). */
  async revokeLease(connection: VaultConnection, token: string, leaseId: string): Promise<LeaseCallOutcome<void>> {
    const outcome = await this.call(connection, 'revoke', '/v1/sys/leases/revoke', token, { lease_id: leaseId });
    return outcome.kind === 'ok' ? { kind: 'ok', value: undefined } : outcome;
  }

  /** `PUT sys/leases/lookup`: whether a restored lease is still alive. */
  async leaseAlive(connection: VaultConnection, token: string, leaseId: string): Promise<LeaseCallOutcome<boolean>> {
    const outcome = await this.call(connection, 'lookup', '/v1/sys/leases/lookup', token, { lease_id: leaseId });
    if (outcome.kind === 'refused') return { kind: 'ok', value: false };
    return outcome.kind === 'ok' ? { kind: 'ok', value: true } : outcome;
  }

  /** `POST auth/token/renew-self`; the value is the token's new TTL in seconds. */
  renewToken(connection: VaultConnection, token: string, incrementSeconds: number): Promise<LeaseCallOutcome<number>> {
    return this.call(connection, 'renew', '/v1/auth/token/renew-self', token, { increment: incrementSeconds }).then(
      (outcome) => {
        if (outcome.kind !== 'ok') return outcome;
        const parsed = RenewSelfSchema.safeParse(outcome.value);
        return parsed.success
          ? { kind: 'ok', value: parsed.data.auth.lease_duration }
          : { kind: 'unavailable', reason: 'token renewal answer without auth.lease_duration' };
      },
    );
  }

  private async call(
    connection: VaultConnection,
    operation: 'renew' | 'revoke' | 'lookup',
    path: string,
    token: string,
    body: Record<string, unknown>,
  ): Promise<LeaseCallOutcome<unknown>> {
    const subject = path.replace(/^\/v1\//, '');
    try {
      const response = await this.http.send(connection, {
        operation,
        method: path.endsWith('renew-self') ? 'POST' : 'PUT',
        path,
        body,
        token,
        signal: AbortSignal.timeout(this.requestTimeoutMs),
        subject,
      });
      if (response.status >= 200 && response.status < 300) return { kind: 'ok', value: response.body };
      const reason = `${subject}: HTTP ${response.status}${describe(response.body)}`;
      if (response.status === 429 || response.status >= 500) return { kind: 'unavailable', reason };
      return { kind: 'refused', status: response.status, reason };
    } catch (error) {
      return { kind: 'unavailable', reason: safeReason(error) };
    }
  }
}

function describe(body: unknown): string {
  const messages = vaultErrorMessages(body).join('; ');
  return messages === '' ? '' : ` (${messages})`;
}
