/**
 * Kubelet's token manager in front of the real API server: kubelet keeps a pod's token and hands
 * the same one to the driver until most of its lifetime has passed, so the cluster can change
 * (the ServiceAccount or the pod deleted) between the TokenRequest and the mount that presents
 * the token. `hold` mints a pod's tokens now, one per audience of the CSIDriver's tokenRequests;
 * the next mounts of that pod present them.
 */
import { decodeJwt, decodeProtectedHeader, importPKCS8, SignJWT } from 'jose';
import type { PodFixture } from '../../../support/cluster/pod.js';
import type {
  ServiceAccountIssuer,
  ServiceAccountTokenClaims,
} from '../../../support/cluster/service-account-issuer.js';
import type { KubeApiServer } from './api-server.js';
import { apiServerTokenIssuer } from './cluster.js';

export interface HeldTokens extends ServiceAccountIssuer {
  /** Mints the pod's tokens now (real TokenRequests bound to the pod) and keeps them; by audience. */
  hold(pod: PodFixture): Promise<Map<string, string>>;
  /** Presents `token` for the pod's `audience` from now on instead of minting. */
  holdToken(pod: PodFixture, audience: string, token: string): void;
}

const key = (podUid: string, audience: string): string => `${podUid}\n${audience}`;

export function heldTokens(server: KubeApiServer, audiences: readonly string[]): HeldTokens {
  const minter = apiServerTokenIssuer(server);
  const held = new Map<string, { token: string; expirationTimestamp: string }>();
  const expirationOf = (token: string): string => {
    const { exp } = decodeJwt(token);
    return new Date((exp ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const tokens: HeldTokens = {
    issuer: minter.issuer,
    publicKeyPem: minter.publicKeyPem,
    algorithm: minter.algorithm,
    keyId: minter.keyId,
    sign(claims: ServiceAccountTokenClaims) {
      const kept = claims.audiences.length === 1 ? held.get(key(claims.podUid, claims.audiences[0]!)) : undefined;
      return kept === undefined ? minter.sign(claims) : Promise.resolve(kept);
    },
    async hold(pod) {
      const minted = new Map<string, string>();
      for (const audience of audiences) {
        const token = await minter.sign({
          namespace: pod.namespace,
          serviceAccountName: pod.serviceAccountName,
          podName: pod.name,
          podUid: pod.uid,
          audiences: [audience],
        });
        held.set(key(pod.uid, audience), token);
        minted.set(audience, token.token);
      }
      return minted;
    },
    holdToken(pod, audience, token) {
      held.set(key(pod.uid, audience), { token, expirationTimestamp: expirationOf(token) });
    },
  };
  return tokens;
}

/**
 * The same token as the API server minted it, but from `agoSeconds` earlier: its claims, key id
 * and signing key unchanged, `iat`/`nbf`/`exp` moved back. The server never mints tokens shorter
 * than 10 minutes nor back-dates them, so an expired token of its own is only had by waiting;
 * signing with its key gives the one the server would have given then.
 */
export async function asMintedEarlier(server: KubeApiServer, token: string, agoSeconds: number): Promise<string> {
  const { alg, kid } = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  if (alg === undefined || claims.iat === undefined || claims.nbf === undefined || claims.exp === undefined) {
    throw new Error('asMintedEarlier: the token lacks alg, iat, nbf or exp');
  }
  const signingKey = await importPKCS8(server.serviceAccountSigningKeyPem, alg);
  return new SignJWT({
    ...claims,
    iat: claims.iat - agoSeconds,
    nbf: claims.nbf - agoSeconds,
    exp: claims.exp - agoSeconds,
  })
    .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
    .sign(signingKey);
}
