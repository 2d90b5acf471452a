/**
 * What a cluster's controllers and kubelet would do, done by hand against the real API server:
 * namespaces, ServiceAccounts, pods bound to a node, tokens minted with TokenRequest exactly as
 * kubelet asks for them (bound to the pod object), and objects applied with kubectl.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { KubeClient } from '../../../../src/kube/in-cluster.js';
import type { PodFixture } from '../../../support/cluster/pod.js';
import {
  rfc3339Seconds,
  type ServiceAccountIssuer,
  type ServiceAccountTokenClaims,
} from '../../../support/cluster/service-account-issuer.js';
import { helm, kubectl, type KubeObject, type RunResult } from '../../../support/kube-tools.js';
import { SERVICE_ACCOUNT_ISSUER, type KubeApiServer } from './api-server.js';

const path = (...segments: string[]): string => segments.map(encodeURIComponent).join('/');

export async function createNamespace(admin: KubeClient, name: string, labels: Record<string, string> = {}) {
  await admin.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
  });
}

/** A ServiceAccount, created as the ServiceAccount controller would (pods need theirs to exist). */
export async function createServiceAccount(admin: KubeClient, namespace: string, name: string): Promise<string> {
  const { body } = await admin.request('POST', `/api/v1/${path('namespaces', namespace, 'serviceaccounts')}`, {
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
  });
  return z.object({ metadata: z.object({ uid: z.string() }) }).parse(body).metadata.uid;
}

export async function deleteServiceAccount(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await admin.request('DELETE', `/api/v1/${path('namespaces', namespace, 'serviceaccounts', name)}`);
}

/** A namespace with its `default` ServiceAccount, as the controllers leave it. */
export async function createAppNamespace(admin: KubeClient, name: string, labels: Record<string, string> = {}) {
  await createNamespace(admin, name, labels);
  await createServiceAccount(admin, name, 'default');
}

const PodSchema = z.object({ metadata: z.object({ uid: z.string(), resourceVersion: z.string() }) });

/** A pod scheduled to `nodeName` (Pending for ever: there is no kubelet). */
export async function createPod(
  admin: KubeClient,
  options: { namespace: string; serviceAccountName: string; nodeName: string; name?: string },
): Promise<PodFixture & { resourceVersion: string }> {
  const name = options.name ?? `app-${randomUUID().slice(0, 8)}`;
  const { body } = await admin.request('POST', `/api/v1/${path('namespaces', options.namespace, 'pods')}`, {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        nodeName: options.nodeName,
        serviceAccountName: options.serviceAccountName,
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'registry.example.com/app:1' }],
      },
    },
  });
  const created = PodSchema.parse(body);
  return {
    namespace: options.namespace,
    name,
    uid: created.metadata.uid,
    serviceAccountName: options.serviceAccountName,
    resourceVersion: created.metadata.resourceVersion,
  };
}

/** Deletes at once: a pod bound to a node otherwise waits for its kubelet, which is not there. */
export async function deletePod(admin: KubeClient, pod: { namespace: string; name: string }): Promise<void> {
  await admin.request('DELETE', `/api/v1/${path('namespaces', pod.namespace, 'pods', pod.name)}`, {
    body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 },
  });
}

const TokenRequestSchema = z.object({ status: z.object({ token: z.string(), expirationTimestamp: z.string() }) });

/** TokenRequest as kubelet makes it for a projected token: audiences, lifetime, bound to the pod. */
export async function requestToken(
  admin: KubeClient,
  options: {
    namespace: string;
    serviceAccountName: string;
    audiences?: readonly string[];
    expirationSeconds?: number;
    pod?: { name: string; uid: string };
  },
): Promise<{ token: string; expirationTimestamp: string }> {
  const { body } = await admin.request(
    'POST',
    `/api/v1/${path('namespaces', options.namespace, 'serviceaccounts', options.serviceAccountName, 'token')}`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: [...(options.audiences ?? [])],
          expirationSeconds: options.expirationSeconds ?? 3600,
          ...(options.pod === undefined
            ? {}
            : { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: options.pod.name, uid: options.pod.uid } }),
        },
      },
    },
  );
  return TokenRequestSchema.parse(body).status;
}

/**
 * The driver emulator's token source backed by the real API server: each pod's token is a real
 * TokenRequest bound to the pod object, so it dies with the pod. Tokens cannot be back-dated.
 */
export function apiServerTokenIssuer(server: KubeApiServer): ServiceAccountIssuer {
  return {
    issuer: SERVICE_ACCOUNT_ISSUER,
    publicKeyPem: server.serviceAccountPublicKeyPem,
    algorithm: 'RS256',
    keyId: '',
    async sign(claims: ServiceAccountTokenClaims) {
      if (claims.nowMs !== undefined) throw new Error('the API server mints tokens at its own time only');
      const minted = await requestToken(server.admin, {
        namespace: claims.namespace,
        serviceAccountName: claims.serviceAccountName,
        audiences: claims.audiences,
        expirationSeconds: claims.ttlSeconds ?? 3600,
        pod: { name: claims.podName, uid: claims.podUid },
      });
      return {
        token: minted.token,
        expirationTimestamp: rfc3339Seconds(Date.parse(minted.expirationTimestamp) / 1000),
      };
    },
  };
}

/** A TokenReview's answer: the server's verdict on a token (user absent or empty when refused). */
export const TokenReviewSchema = z.object({
  status: z.object({
    authenticated: z.boolean().optional(),
    user: z
      .object({ username: z.string().optional(), extra: z.record(z.string(), z.array(z.string())).optional() })
      .optional(),
    audiences: z.array(z.string()).optional(),
    error: z.string().optional(),
  }),
});

/** TokenReview by the admin: what the API server says about a token. */
export async function reviewToken(admin: KubeClient, token: string, audiences: readonly string[] = []) {
  const { body } = await admin.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [...audiences] } },
  });
  return TokenReviewSchema.parse(body).status;
}

/** kubectl against the tier's server as the admin; extra args after the command. */
export function kubectlAs(server: KubeApiServer, args: readonly string[]): Promise<RunResult> {
  return kubectl(['--kubeconfig', server.kubeconfigPath, ...args]);
}

let applied = 0;

/** `kubectl apply` (server-side) of objects; `dryRun` asks for the server's admission only. */
export async function applyObjects(
  server: KubeApiServer,
  objects: readonly KubeObject[],
  options: { dryRun?: boolean; namespace?: string } = {},
): Promise<RunResult> {
  const file = join(server.dir, `apply-${++applied}.json`);
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  return kubectlAs(server, [
    'apply',
    '--server-side',
    '--field-manager=kube-tier',
    ...(options.dryRun === true ? ['--dry-run=server'] : []),
    ...(options.namespace === undefined ? [] : ['--namespace', options.namespace]),
    '-f',
    file,
    '-o',
    'name',
  ]);
}

/** Applies and fails with kubectl's message when the server refused anything; the applied names. */
export async function applyOrThrow(
  server: KubeApiServer,
  objects: readonly KubeObject[],
  options: { dryRun?: boolean; namespace?: string } = {},
): Promise<string[]> {
  const result = await applyObjects(server, objects, options);
  if (result.code !== 0) throw new Error(`kubectl apply failed (${result.code}): ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** helm against the tier's server as the admin. */
export function helmAs(server: KubeApiServer, args: readonly string[]): Promise<RunResult> {
  return helm(['--kubeconfig', server.kubeconfigPath, ...args]);
}
