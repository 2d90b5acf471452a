// Plays the Kubernetes API server's service-account token issuer, i.e. what kubelet gets back
// from TokenRequest for a pod's tokenRequests audiences. One signing key per issuer (per test
// suite); Vault's kubernetes/jwt auth verifies against `publicKeyPem`.
import { createHash, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';

export interface ServiceAccountTokenClaims {
  namespace: string;
  serviceAccountName: string;
  podName: string;
  podUid: string;
  audiences: string[];
  /** Token lifetime; TokenRequest defaults to one hour. */
  ttlSeconds?: number;
  /** Clock override so tests can mint expired or not-yet-valid tokens. */
  nowMs?: number;
}

export interface ServiceAccountIssuer {
  readonly issuer: string;
  /** SPKI PEM of the signing key (Vault kubernetes auth `pem_keys`, jwt auth `jwt_validation_pubkeys`). */
  readonly publicKeyPem: string;
  readonly algorithm: 'RS256' | 'ES256';
  /** The `kid` header value, derived from the public key like the API server does. */
  readonly keyId: string;
  sign(claims: ServiceAccountTokenClaims): Promise<{ token: string; expirationTimestamp: string }>;
}

export interface ServiceAccountIssuerOptions {
  issuer?: string;
  algorithm?: 'RS256' | 'ES256';
}

const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
const defaultTtlSeconds = 3600;
const generateKeyPairAsync = promisify(generateKeyPair);

// Namespace for the name-based (v5) service-account uids; any fixed uuid works, this one is ours.
const serviceAccountUidNamespace = Buffer.from('6f1c2b0e4a7d4c3e9b5a1d2e3f405162', 'hex');

/**
 * A stable RFC 4122 version-5 uuid for a service account: the same namespace/name always gets the
 * same uid (as a long-lived ServiceAccount object would), different accounts differ.
 */
export function serviceAccountUid(namespace: string, name: string): string {
  const digest = createHash('sha1').update(serviceAccountUidNamespace).update(`${namespace}/${name}`).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 3339 at second precision in UTC, as metav1.Time marshals. */
export function rfc3339Seconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The API server's key id: unpadded base64url of SHA-256 over the DER public key.
function keyIdFor(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export async function createServiceAccountIssuer(
  options: ServiceAccountIssuerOptions = {},
): Promise<ServiceAccountIssuer> {
  const issuer = options.issuer ?? defaultIssuer;
  const algorithm = options.algorithm ?? 'RS256';
  if (issuer === '') throw new Error('createServiceAccountIssuer: option issuer must be a non-empty string');
  const pair =
    algorithm === 'RS256'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const publicKey = pair.publicKey;
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = keyIdFor(publicKey);

  return {
    issuer,
    publicKeyPem,
    algorithm,
    keyId,
    async sign(claims) {
      const ttlSeconds = claims.ttlSeconds ?? defaultTtlSeconds;
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
        throw new Error(`sign: ttlSeconds must be a positive integer, got ${ttlSeconds}`);
      }
      const iat = Math.floor((claims.nowMs ?? Date.now()) / 1000);
      const exp = iat + ttlSeconds;
      const token = await new SignJWT({
        jti: randomUUID(),
        'kubernetes.io': {
          namespace: claims.namespace,
          pod: { name: claims.podName, uid: claims.podUid },
          serviceaccount: {
            name: claims.serviceAccountName,
            uid: serviceAccountUid(claims.namespace, claims.serviceAccountName),
          },
        },
      })
        // No `typ`: the API server's tokens carry only alg and kid.
        .setProtectedHeader({ alg: algorithm, kid: keyId })
        .setIssuer(issuer)
        .setSubject(`system:serviceaccount:${claims.namespace}:${claims.serviceAccountName}`)
        // Always an array, even for one audience, as projected tokens are.
        .setAudience([...claims.audiences])
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(exp)
        .sign(pair.privateKey);
      return { token, expirationTimestamp: rfc3339Seconds(exp) };
    },
  };
}
