/**
 * The provider's identity exactly as the chart installs it: the ServiceAccount, Role,
 * RoleBinding, ClusterRole and ClusterRoleBinding rendered by `helm template` (the code the
 * test/deploy tests use) and applied to the real server, and a token of that ServiceAccount
 * minted by the server. Nothing else grants the provider anything.
 */
import { KubeClient } from '../../../../src/kube/in-cluster.js';
import { helmTemplate, type KubeObject } from '../../../support/kube-tools.js';
import type { KubeApiServer } from './api-server.js';
import { applyOrThrow, createNamespace, requestToken } from './cluster.js';

const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

export interface ChartIdentity {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** `system:serviceaccount:<namespace>:<name>`, as RBAC and the audit log name it. */
  readonly username: string;
  /** The RBAC objects applied, as rendered. */
  readonly rbac: KubeObject[];
  readonly token: string;
  /** A client of the provider's own (`src/kube`) with that token. */
  client(): KubeClient;
}

export interface ChartIdentityOptions {
  readonly release?: string;
  readonly namespace: string;
  /** `--set` values of the render (the features switched on). */
  readonly set?: readonly string[];
  /** Create the namespace first, labelled as docs/install.md says. */
  readonly createNamespace?: boolean;
}

/** The chart's RBAC objects for these values, applied as rendered. */
export async function applyChartRbac(server: KubeApiServer, options: ChartIdentityOptions): Promise<KubeObject[]> {
  const rendered = await helmTemplate({
    release: options.release ?? 'vault-csi-provider',
    namespace: options.namespace,
    set: options.set ?? [],
  });
  const rbac = rendered.filter((object) => RBAC_KINDS.has(object.kind));
  await applyOrThrow(server, rbac);
  return rbac;
}

export async function chartIdentity(server: KubeApiServer, options: ChartIdentityOptions): Promise<ChartIdentity> {
  if (options.createNamespace !== false) {
    await createNamespace(server.admin, options.namespace, { 'pod-security.kubernetes.io/enforce': 'privileged' });
  }
  const rbac = await applyChartRbac(server, options);
  const serviceAccount = rbac.find((object) => object.kind === 'ServiceAccount');
  if (serviceAccount === undefined) throw new Error('the chart rendered no ServiceAccount');
  const serviceAccountName = serviceAccount.metadata.name;
  // What kubelet projects into the provider pod: a token of its ServiceAccount for the API server.
  const { token } = await requestToken(server.admin, {
    namespace: options.namespace,
    serviceAccountName,
    expirationSeconds: 3600,
  });
  return {
    namespace: options.namespace,
    serviceAccountName,
    username: `system:serviceaccount:${options.namespace}:${serviceAccountName}`,
    rbac,
    token,
    client: () => new KubeClient({ baseUrl: server.url, namespace: options.namespace, token, caPem: server.caPem }),
  };
}
