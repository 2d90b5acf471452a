/**
 * Mints a service-account token for a pod with the TokenRequest API, bound to the pod so it dies
 * with it: the Go provider's fallback when the CSIDriver has no `tokenRequests` (reference §4).
 * Optional here: it needs cluster-wide `create` on `serviceaccounts/token`, which lets the
 * provider impersonate any service account, so operators should prefer the driver's tokens.
 * Per call: nothing is cached; the token is returned, never logged or put in a message.
 */
import * as z from 'zod';
import type { KubeClient } from './in-cluster.js';
import { KubeApiError, isKubeApiError, parseKubeResponse, withHint } from './kube-api-error.js';

/** The API server rejects less than 10 minutes. The Go provider asks for 15. */
export const MIN_EXPIRATION_SECONDS = 600;
/** `expirationSeconds` is an int64 but the API server caps it (service-account-max-token-expiration). */
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface ServiceAccountTokenRequest {
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly podName: string;
  readonly podUid: string;
  /** The token's audience; absent or empty → the API server's default audience (as the Go provider). */
  readonly audience?: string;
  readonly expirationSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface ServiceAccountToken {
  readonly token: string;
  /** RFC 3339, as in the driver's `csi.storage.k8s.io/serviceAccount.tokens` entries. */
  readonly expirationTimestamp: string;
}

const TokenRequestResponseSchema = z.looseObject({
  kind: z.literal('TokenRequest').optional(),
  status: z.looseObject({
    token: z.string().min(1),
    expirationTimestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 time'),
  }),
});

export async function requestServiceAccountToken(
  client: KubeClient,
  request: ServiceAccountTokenRequest,
): Promise<ServiceAccountToken> {
  const { namespace, serviceAccountName, podName, podUid } = request;
  const expirationSeconds = request.expirationSeconds ?? MIN_EXPIRATION_SECONDS;
  for (const [name, value] of Object.entries({ namespace, serviceAccountName, podName, podUid })) {
    if (value === '') {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', `requestServiceAccountToken: ${name} must not be empty`);
    }
  }
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION_SECONDS) {
    throw new KubeApiError(
      'ERR_KUBE_INVALID_ARGUMENT',
      `requestServiceAccountToken: expirationSeconds must be an integer ≥ ${MIN_EXPIRATION_SECONDS}`,
    );
  }
  const audiences = request.audience === undefined || request.audience === '' ? [] : [request.audience];
  const path =
    `/api/v1/namespaces/${encodeURIComponent(namespace)}` +
    `/serviceaccounts/${encodeURIComponent(serviceAccountName)}/token`;
  const subject = `service account "${namespace}/${serviceAccountName}" for pod "${podName}"`;
  const body = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences,
      expirationSeconds: Math.min(expirationSeconds, MAX_EXPIRATION_SECONDS),
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: podName, uid: podUid },
    },
  };
  try {
    const response = await client.request('POST', path, {
      body,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const parsed = parseKubeResponse(TokenRequestResponseSchema, response.body, `TokenRequest for ${subject}`);
    return { token: parsed.status.token, expirationTimestamp: parsed.status.expirationTimestamp };
  } catch (error) {
    if (!isKubeApiError(error, 'ERR_KUBE_FORBIDDEN')) throw error;
    throw withHint(
      error,
      `cannot create a token for ${subject}: the provider's service account needs a ClusterRole allowing ` +
        `"create" on "serviceaccounts/token"; or configure the CSIDriver's tokenRequests so the driver ` +
        `passes the pod's token (${error.message})`,
    );
  }
}
