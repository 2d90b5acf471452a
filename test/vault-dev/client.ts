/** Small helpers for the dev Vault tests: a raw HTTP call and a Kubernetes-style JWT issuer. */
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { request, type Dispatcher } from 'undici';
import type { DevVault } from '../support/vault-dev/index.js';

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export interface CallOptions {
  /** Defaults to the root token; null sends none. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

export async function call(
  vault: DevVault,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? vault.rootToken : options.token;
  if (token !== null) headers['x-vault-token'] = token;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const response = await request(`${vault.address}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.body.text();
  let json: Record<string, unknown>;
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = {};
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

export const errorsOf = (result: CallResult): unknown => result.json.errors;

/** A controllable clock for token/lease expiry. */
export function manualClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

export interface ServiceAccountClaims {
  namespace?: string;
  name?: string;
  audience?: string | string[];
  issuer?: string;
  /** Seconds since epoch used for iat/nbf; exp = iat + lifetime. */
  iatSeconds?: number;
  lifetimeSeconds?: number;
}

export interface Issuer {
  publicKeyPem: string;
  issuer: string;
  sign(claims?: ServiceAccountClaims): Promise<string>;
}

export async function createIssuer(alg: 'RS256' | 'ES256' = 'RS256', now: () => number = Date.now): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicKeyPem = await exportSPKI(publicKey);
  const issuer = 'https://kubernetes.default.svc.cluster.local';
  return {
    publicKeyPem,
    issuer,
    sign: (claims = {}) => signServiceAccount(privateKey, alg, issuer, now, claims),
  };
}

function signServiceAccount(
  key: CryptoKey,
  alg: string,
  defaultIssuer: string,
  now: () => number,
  claims: ServiceAccountClaims,
): Promise<string> {
  const namespace = claims.namespace ?? 'default';
  const name = claims.name ?? 'app';
  const iat = claims.iatSeconds ?? Math.floor(now() / 1000);
  return new SignJWT({
    'kubernetes.io': {
      namespace,
      pod: { name: `${name}-7d9f8`, uid: '1d3b0c6e-2f4a-4b8e-9c1d-5e6f7a8b9c0d' },
      serviceaccount: { name, uid: `uid-${namespace}-${name}` },
    },
  })
    .setProtectedHeader({ alg })
    .setSubject(`system:serviceaccount:${namespace}:${name}`)
    .setAudience(claims.audience ?? ['vault'])
    .setIssuer(claims.issuer ?? defaultIssuer)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + (claims.lifetimeSeconds ?? 3600))
    .sign(key);
}
