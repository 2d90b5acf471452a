/**
 * The one Kubernetes API call OpenBao's kubernetes auth makes: TokenReview
 * (`POST /apis/authentication.k8s.io/v1/tokenreviews`, the bearer being the pod's own JWT since
 * no reviewer JWT is configured). Answers as kube-apiserver does for service-account tokens: it
 * verifies the signature against the issuer's keys, the expiry, the audiences and (when told)
 * that the pod the token is bound to still exists. Plain HTTP on loopback, one per test file;
 * the kube-apiserver tier can replace it by pointing `kubernetes_host` at a real API server.
 */
import { createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export interface TokenReviewFixture {
  /** `http://127.0.0.1:P`, for OpenBao's `kubernetes_host`. */
  readonly url: string;
  /** Reviews answered, in order (authenticated or not). */
  readonly reviews: readonly { authenticated: boolean; username?: string; error?: string }[];
  stop(): Promise<void>;
}

export interface TokenReviewOptions {
  /** SPKI PEMs of the service-account signing keys (the API server's --service-account-key-file). */
  readonly publicKeysPem: readonly string[];
  readonly issuer: string;
  /** Whether the pod a token is bound to still exists; absent: every pod does. */
  readonly podExists?: (uid: string) => boolean;
}

interface ServiceAccountClaims extends JWTPayload {
  'kubernetes.io'?: {
    namespace?: string;
    pod?: { name?: string; uid?: string };
    serviceaccount?: { name?: string; uid?: string };
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export async function startTokenReview(options: TokenReviewOptions): Promise<TokenReviewFixture> {
  const keys = options.publicKeysPem.map((pem) => createPublicKey(pem));
  const reviews: { authenticated: boolean; username?: string; error?: string }[] = [];

  async function verify(token: string, audiences: readonly string[]): Promise<ServiceAccountClaims> {
    let lastError: unknown;
    for (const key of keys) {
      try {
        const { payload } = await jwtVerify<ServiceAccountClaims>(token, key, {
          issuer: options.issuer,
          ...(audiences.length === 0 ? {} : { audience: [...audiences] }),
        });
        const podUid = payload['kubernetes.io']?.pod?.uid;
        if (podUid !== undefined && options.podExists !== undefined && !options.podExists(podUid)) {
          throw new Error(`pod with UID "${podUid}" not found`);
        }
        return payload;
      } catch (error) {
        lastError = error;
        if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('invalid bearer token');
  }

  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
        send(response, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      // The caller must itself be authenticated (OpenBao sends the pod's JWT as the bearer).
      if (
        bearer === undefined ||
        (await verify(bearer, []).then(
          () => false,
          () => true,
        ))
      ) {
        send(response, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
        return;
      }
      const body = (await readJson(request)) as { spec?: { token?: string; audiences?: string[] } };
      const audiences = body.spec?.audiences ?? [];
      const review = {
        kind: 'TokenReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
      };
      try {
        const claims = await verify(body.spec?.token ?? '', audiences);
        const k8s = claims['kubernetes.io'] ?? {};
        const namespace = k8s.namespace ?? '';
        const username = `system:serviceaccount:${namespace}:${k8s.serviceaccount?.name ?? ''}`;
        reviews.push({ authenticated: true, username });
        send(response, 201, {
          ...review,
          spec: { audiences },
          status: {
            authenticated: true,
            user: {
              username,
              uid: k8s.serviceaccount?.uid ?? '',
              groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
              extra: {
                'authentication.kubernetes.io/pod-name': [k8s.pod?.name ?? ''],
                'authentication.kubernetes.io/pod-uid': [k8s.pod?.uid ?? ''],
              },
            },
            audiences: Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''],
          },
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        reviews.push({ authenticated: false, error: message });
        send(response, 201, {
          ...review,
          spec: { audiences },
          status: { user: {}, error: `[invalid bearer token, ${message}]` },
        });
      }
    })().catch((error: unknown) => {
      send(response, 500, { kind: 'Status', status: 'Failure', message: String(error), code: 500 });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reviews,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
