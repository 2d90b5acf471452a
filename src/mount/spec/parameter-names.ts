/**
 * The names in a MountRequest's attributes: the SecretProviderClass parameters we read, the keys
 * the driver and kubelet add, and the old parameters still accepted. One home, so the parser, the
 * operator's protected parameters, the unknown-key warning and the docs' tests agree.
 */

/** The Vault connection and auth parameters (`parse/connection.ts`). */
export const CONNECTION_PARAMETERS = [
  'roleName',
  'vaultAddress',
  'vaultNamespace',
  'vaultKubernetesMountPath',
  'vaultAuthMountPath',
  'vaultCACertPath',
  'vaultCADirectory',
  'vaultTLSServerName',
  'vaultTLSClientCertPath',
  'vaultTLSClientKeyPath',
  'vaultSkipTLSVerify',
  'audience',
] as const;

/** The driver's tokens for the CSIDriver's `tokenRequests` audiences (`parse/service-account-token.ts`). */
export const SERVICE_ACCOUNT_TOKENS_KEY = 'csi.storage.k8s.io/serviceAccount.tokens';

export const POD_KEYS = {
  name: 'csi.storage.k8s.io/pod.name',
  namespace: 'csi.storage.k8s.io/pod.namespace',
  uid: 'csi.storage.k8s.io/pod.uid',
  serviceAccountName: 'csi.storage.k8s.io/serviceAccount.name',
} as const;

/** Keys the driver and kubelet add; not SecretProviderClass parameters. */
export const DRIVER_KEYS = [
  ...Object.values(POD_KEYS),
  SERVICE_ACCOUNT_TOKENS_KEY,
  'csi.storage.k8s.io/ephemeral',
  'secretProviderClass',
];

/** Pre-0.1.0 parameters the Go provider also ignores; accepted so old SPCs keep working. */
export const HISTORIC_PARAMETERS = ['kubernetesServiceAccountPath', 'vaultCAPem', 'objectVersion', 'objectPath'];

/** How long non-leased answers are served from the pod's cache (`parse/refresh-interval.ts`). */
export const REFRESH_INTERVAL_PARAMETER = 'refreshInterval';

export const KNOWN_PARAMETERS: readonly string[] = [
  ...CONNECTION_PARAMETERS,
  'objects',
  REFRESH_INTERVAL_PARAMETER,
  ...DRIVER_KEYS,
  ...HISTORIC_PARAMETERS,
];
