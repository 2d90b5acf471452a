/**
 * Who a Vault request is made as: one pod, through one connection and auth configuration.
 * Every cache that holds a token or secret bytes is keyed by `identityKey`, so nothing can be
 * served to a different pod, role, audience, address or namespace.
 */
import type { VaultConnection } from './vault-connection.js';

/** The pod a request is made for, from the driver's pod keys. */
export interface PodInfo {
  readonly namespace: string;
  /** Empty when the driver did not send it (it only labels logs; see mount/parse/attributes.ts). */
  readonly name: string;
  readonly uid: string;
  readonly serviceAccountName: string;
}

export interface VaultAuth {
  /** Auth mount path without `auth/` prefix or slashes, e.g. `kubernetes` or `jwt`. */
  readonly mountPath: string;
  readonly roleName: string;
  /** Audience of the service-account token we pick from the driver's tokens. */
  readonly audience: string;
}

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
