/**
 * Local JWT verification shared by the kubernetes and jwt auth methods: signature against the
 * configured PEM keys (RS256/384/512, ES256/384/512 like Vault), then exp/nbf on the injected
 * clock. Failures come back as a reason so each auth method can render its own status and text.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';

export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];

export type JwtCheck =
  | { readonly ok: true; readonly claims: JWTPayload }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'signature' | 'expired' | 'not-yet-valid';
      readonly claims?: JWTPayload;
    };

/** Parse PEM public keys or certificates; throws with the offending index for a 400 at config time. */
export function parsePublicKeys(pems: readonly string[]): KeyObject[] {
  return pems.map((pem, index) => {
    try {
      return createPublicKey(pem);
    } catch (error) {
      throw new Error(`error parsing public key ${index}: ${(error as Error).message}`, { cause: error });
    }
  });
}

export async function verifyJwt(
  token: string,
  keys: readonly KeyObject[],
  nowMs: number,
  leewaySeconds: number,
): Promise<JwtCheck> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  let reason: 'signature' | 'expired' | 'not-yet-valid' = 'signature';
  for (const key of keys) {
    try {
      const result = await jwtVerify(token, key, {
        algorithms: SUPPORTED_ALGS,
        currentDate: new Date(nowMs),
        clockTolerance: leewaySeconds,
      });
      return { ok: true, claims: result.payload };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_JWT_EXPIRED') reason = 'expired';
      else if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') reason = 'not-yet-valid';
      // Any other failure (wrong key type, bad signature) means: try the next key.
    }
  }
  return { ok: false, reason, claims };
}

export function audiences(claims: JWTPayload): string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
}

/** ryanuber/go-glob semantics used by Vault for bound names: `*` matches any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(value);
}

export function stringList(value: unknown): string[] {
  if (Array.isArray(value))
    return value
      .map(String)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return [];
}
