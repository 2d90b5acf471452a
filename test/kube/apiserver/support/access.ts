/**
 * RBAC questions about a user, asked the API server's authorizer (SubjectAccessReview, as the
 * admin): what `kubectl auth can-i --as` asks, without a kubectl process per question.
 */
import * as z from 'zod';
import type { KubeClient } from '../../../../src/kube/in-cluster.js';

export interface ResourceCall {
  readonly verb: string;
  /** API group; "" is the core group. */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Absent: all namespaces (or a cluster-scoped resource). */
  readonly namespace?: string;
  readonly name?: string;
}

const ReviewSchema = z.object({ status: z.object({ allowed: z.boolean() }) });

/** Whether a service account (`system:serviceaccount:NS:NAME`) may make `call`. */
export async function isAllowed(admin: KubeClient, username: string, call: ResourceCall): Promise<boolean> {
  const namespace = /^system:serviceaccount:([^:]+):/.exec(username)?.[1];
  const groups = ['system:authenticated', 'system:serviceaccounts'];
  if (namespace !== undefined) groups.push(`system:serviceaccounts:${namespace}`);
  const { body } = await admin.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: username, groups, resourceAttributes: { ...call } },
    },
  });
  return ReviewSchema.parse(body).status.allowed;
}
