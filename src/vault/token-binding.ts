/**
 * Whether the service-account JWT a Mount presents is one for the identity a cached Vault token
 * was issued to: the same service account (`sub`), the same pod when the token is pod-bound, our
 * audience, and not expired. The signature is not checked (Vault is the authority and does that
 * at login); this only decides whether a cache may answer or Vault must be asked. A Mount whose
 * token is for someone else, or stale, gets a login with that token, and Vault's verdict.
 * Pure; read on every cache hit.
 */
import type { VaultIdentity } from './vault-identity.js';

interface ServiceAccountClaims {
  readonly sub?: unknown;
  readonly aud?: unknown;
  readonly exp?: unknown;
  readonly 'kubernetes.io'?: { readonly pod?: { readonly uid?: unknown } };
}

export function tokenBindsIdentity(identity: VaultIdentity, nowMs: number): boolean {
  const claims = payloadOf(identity.jwt);
  if (claims === undefined) return false;
  const { pod, auth } = identity;
  if (claims.sub !== `system:serviceaccount:${pod.namespace}:${pod.serviceAccountName}`) return false;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return false;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (auth.audience !== '' && !audiences.includes(auth.audience)) return false;
  const podUid = claims['kubernetes.io']?.pod?.uid;
  return podUid === undefined || podUid === pod.uid;
}

function payloadOf(jwt: string): ServiceAccountClaims | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1].length > 16_384) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? payload : undefined;
  } catch {
    return undefined;
  }
}
