/**
 * `-token-request-fallback`: when the driver sent no token for the Mount's audience, mint one for
 * the pod's service account with the TokenRequest API, bound to the pod (name and uid) so it dies
 * with it, short-lived (10 minutes, the API server's minimum). Off by default: it needs
 * cluster-wide `create` on `serviceaccounts/token`, i.e. the provider could act as any service
 * account; the CSIDriver's `tokenRequests` give the same token without that right.
 *
 * Every KubeApiError becomes a ProviderError here, before it reaches the gRPC status mapping,
 * with a message for the pod's events. The token is returned only, never logged or put in one.
 */
import { LRUCache } from 'lru-cache';
import {
  InvalidParameterError,
  KubernetesUnavailableError,
  MissingServiceAccountTokenError,
  type ProviderError,
} from '../errors.js';
import { isKubeApiError } from './kube-api-error.js';
import type { KubeClientHolder } from './kube-client-holder.js';
import { MIN_EXPIRATION_SECONDS, requestServiceAccountToken } from './token-request.js';

/** The pod a token is minted for (the driver's pod keys). */
export interface TokenRequestPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly serviceAccountName: string;
}

export interface TokenRequestFallback {
  /** A JWT for `pod`'s service account with `audience`; throws a ProviderError. */
  mint(pod: TokenRequestPod, audience: string, signal: AbortSignal): Promise<string>;
}

const RBAC_HINT =
  'the provider\'s service account needs a ClusterRole allowing "create" on "serviceaccounts/token" ' +
  '(Helm value tokenRequestFallback.enabled=true); or give the CSIDriver tokenRequests so the driver passes the token';

interface MintedToken {
  readonly token: string;
  /** Reused until half its lifetime has passed, as kubelet refreshes its own projected tokens. */
  readonly reuseUntilMs: number;
}

export interface TokenRequestFallbackOptions {
  /**
   * `-token-request-audiences`. The SPC names the audience and the address the token is sent
   * to, so without a bound an SPC author could have the provider mint a token of the pod's
   * service account for the API server or a cloud provider and send it to a host of theirs.
   */
  readonly audiences: readonly string[];
  readonly now?: () => number;
  readonly maxEntries?: number;
}

export function tokenRequestFallback(
  kube: KubeClientHolder,
  options: TokenRequestFallbackOptions,
): TokenRequestFallback {
  const now = options.now ?? Date.now;
  const allowed = new Set(options.audiences);
  // Per pod identity and audience, so a republish every minute costs no API call; bounded,
  // and an entry is only ever handed back to the same pod uid it was minted for.
  const minted = new LRUCache<string, MintedToken>({ max: options.maxEntries ?? 1000 });
  return {
    async mint(pod, audience, signal) {
      if (!allowed.has(audience)) throw audienceRefused(audience, options.audiences);
      const key = JSON.stringify([pod.uid, pod.namespace, pod.name, pod.serviceAccountName, audience]);
      const reusable = minted.get(key);
      if (reusable !== undefined && now() < reusable.reuseUntilMs) return reusable.token;
      const subject = `service account "${pod.namespace}/${pod.serviceAccountName}" of pod "${pod.name}"`;
      try {
        const client = await kube.get();
        const issuedAtMs = now();
        const { token, expirationTimestamp } = await requestServiceAccountToken(client, {
          namespace: pod.namespace,
          serviceAccountName: pod.serviceAccountName,
          podName: pod.name,
          podUid: pod.uid,
          audience,
          expirationSeconds: MIN_EXPIRATION_SECONDS,
          signal,
        });
        const expiresAtMs = Date.parse(expirationTimestamp);
        minted.set(key, { token, reuseUntilMs: issuedAtMs + (expiresAtMs - issuedAtMs) / 2 });
        return token;
      } catch (error) {
        throw toProviderError(error, subject, audience);
      }
    },
  };
}

function audienceRefused(audience: string, audiences: readonly string[]): ProviderError {
  const shown = audience.length > 80 ? `${audience.slice(0, 80)}…` : audience;
  return new InvalidParameterError(
    `parameter "audience": the provider mints service-account tokens (-token-request-fallback) only for the audiences the operator lists in -token-request-audiences (${audiences.map((entry) => JSON.stringify(entry)).join(', ')}), not ${JSON.stringify(shown)}; use one of them, or ask for the CSIDriver's tokenRequests to include this audience so the driver passes the token`,
  );
}

function toProviderError(error: unknown, subject: string, audience: string): ProviderError {
  const prefix = `TokenRequest fallback: cannot mint a token with audience ${JSON.stringify(audience)} for ${subject}`;
  if (!isKubeApiError(error)) {
    return new KubernetesUnavailableError(`${prefix}: the Kubernetes client failed; see the provider logs`, {
      cause: error,
    });
  }
  switch (error.code) {
    case 'ERR_KUBE_FORBIDDEN':
    case 'ERR_KUBE_UNAUTHORIZED':
      return new MissingServiceAccountTokenError(`${prefix}: ${RBAC_HINT} (${error.message})`, { cause: error });
    case 'ERR_KUBE_NOT_FOUND':
    case 'ERR_KUBE_CONFLICT':
      // The pod is gone, or another pod now has its name: nothing to mount for.
      return new MissingServiceAccountTokenError(
        `${prefix}: the pod no longer exists with this uid (${error.message})`,
        { cause: error },
      );
    case 'ERR_KUBE_UNAVAILABLE':
    case 'ERR_KUBE_TIMEOUT':
    case 'ERR_KUBE_ABORTED':
    case 'ERR_KUBE_CONFIG':
      return new KubernetesUnavailableError(`${prefix}: ${error.message}`, { cause: error });
    default:
      return new MissingServiceAccountTokenError(`${prefix}: ${error.message}`, { cause: error });
  }
}
