/** Shared inputs for the mount parsing tests: a driver-like request and process defaults. */
import type { ConnectionDefaults } from '../../src/mount/spec/mount-spec.js';

export const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWNsYWltcw.c2lnbmF0dXJlLXZhbHVl';
export const OTHER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.b3RoZXI.c2ln';

export const DEFAULTS: ConnectionDefaults = {
  vaultAddress: 'https://127.0.0.1:8200',
  authMountPath: 'kubernetes',
  tls: { skipVerify: false },
};

export const OBJECTS = `
- objectName: db-password
  secretPath: secret/data/db
  secretKey: password
`;

export function tokensJson(entries: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(entries).map(([audience, token]) => [
        audience,
        { token, expirationTimestamp: '2030-01-01T00:00:00Z' },
      ]),
    ),
  );
}

/** Attributes as the driver builds them: SPC parameters, pod keys and the tokens for `vault`. */
export function attributes(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    roleName: 'app',
    objects: OBJECTS,
    secretProviderClass: 'app-secrets',
    'csi.storage.k8s.io/pod.name': 'app-0',
    'csi.storage.k8s.io/pod.namespace': 'team-a',
    'csi.storage.k8s.io/pod.uid': '6f1c1a52-0000-4000-8000-000000000001',
    'csi.storage.k8s.io/serviceAccount.name': 'app',
    'csi.storage.k8s.io/ephemeral': 'true',
    'csi.storage.k8s.io/serviceAccount.tokens': tokensJson({ vault: TOKEN }),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function request(
  attributeOverrides: Record<string, string | undefined> = {},
  rest: { secrets?: string; permission?: string } = {},
): { attributes: string; secrets: string; targetPath: string; permission: string } {
  return {
    attributes: JSON.stringify(attributes(attributeOverrides)),
    secrets: rest.secrets ?? 'null',
    targetPath: '/var/lib/kubelet/pods/6f1c1a52/volumes/kubernetes.io~csi/secrets/mount',
    permission: rest.permission ?? '420',
  };
}
