import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tokenBindsIdentity } from '../../src/vault/token-binding.js';
import type { VaultIdentity } from '../../src/vault/vault-identity.js';

const NOW = 1_800_000_000_000;
const jwtOf = (claims: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature-not-checked-here`;
const proper = {
  sub: 'system:serviceaccount:app:web',
  aud: ['vault'],
  exp: NOW / 1000 + 600,
  'kubernetes.io': { pod: { uid: 'uid-1' } },
};
const identity = (jwt: string): VaultIdentity => ({
  pod: { namespace: 'app', name: 'web-0', uid: 'uid-1', serviceAccountName: 'web' },
  connection: { address: 'https://vault:8200', tls: { skipVerify: false } },
  auth: { mountPath: 'kubernetes', roleName: 'web', audience: 'vault' },
  jwt,
});

describe('tokenBindsIdentity: may a cache answer this JWT?', () => {
  const cases: [string, string, boolean][] = [
    ['the pod’s own bound token', jwtOf(proper), true],
    [
      'a token not bound to a pod (legacy or TokenRequest without a pod)',
      jwtOf({ ...proper, 'kubernetes.io': {} }),
      true,
    ],
    ['another service account', jwtOf({ ...proper, sub: 'system:serviceaccount:app:admin' }), false],
    ['another namespace', jwtOf({ ...proper, sub: 'system:serviceaccount:other:web' }), false],
    ['another pod', jwtOf({ ...proper, 'kubernetes.io': { pod: { uid: 'uid-2' } } }), false],
    ['another audience', jwtOf({ ...proper, aud: ['api'] }), false],
    ['expired', jwtOf({ ...proper, exp: NOW / 1000 - 1 }), false],
    ['no expiry', jwtOf({ ...proper, exp: undefined }), false],
    ['not a JWT', 'opaque-token', false],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c', false],
  ];
  for (const [name, jwt, expected] of cases) {
    test(name, () => assert.equal(tokenBindsIdentity(identity(jwt), NOW), expected));
  }
});
