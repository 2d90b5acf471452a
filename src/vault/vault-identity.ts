/**
 * Who a Vault request is made as: one pod, through one connection and auth configuration.
 * Every cache that holds a token or secret bytes is keyed by `identityKey`, so nothing can be
 * served to a different pod, role, audience, address or namespace.
 */
import type { PodInfo, VaultAuth, VaultConnection } from '../mount/mount-spec.js';

export interface VaultIdentity {
  readonly pod: PodInfo;
  readonly connection: VaultConnection;
  readonly auth: VaultAuth;
  /** The pod's service-account JWT, used only to log in. Not part of the key: kubelet refreshes it. */
  readonly jwt: string;
}

export function identityKey(identity: VaultIdentity): string {
  const { pod, connection, auth } = identity;
  return JSON.stringify([
    pod.uid,
    pod.namespace,
    pod.name,
    pod.serviceAccountName,
    connection.address,
    connection.namespace ?? '',
    connection.tls,
    auth.mountPath,
    auth.roleName,
    auth.audience,
  ]);
}
