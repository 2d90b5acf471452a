import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';

const KV_OBJECTS = `
- {objectName: username, secretPath: secret/data/app, secretKey: username}
`;

function loginCount(h: Harness): number {
  return h.vault.stats.requests.filter((request) => request.path.endsWith('/login')).length;
}

describe('each pod is served with its own Vault identity', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a pod whose service account is not bound to the role is refused and gets no files', async () => {
    const target = h.target();
    await assert.rejects(
      h.mount(h.appPod({ serviceAccountName: 'intruder' }), spcParameters(KV_OBJECTS), target),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.UNAUTHENTICATED);
        assert.match(error.details ?? '', /service account name not authorized/);
        assert.match(error.details ?? '', /default\/intruder/);
        return true;
      },
    );
    assert.equal(existsSync(target) && existsSync(`${target}/username`), false);
  });

  test('a pod in another namespace is refused', async () => {
    await assert.rejects(h.mount(h.appPod({ namespace: 'other' }), spcParameters(KV_OBJECTS)), {
      code: status.UNAUTHENTICATED,
    });
  });

  test('a path the role may not read is PermissionDenied and names the object and the path', async () => {
    h.vault.writeKv('secret', 'admin', { root: 'x' });
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(`- {objectName: admin, secretPath: secret/data/admin, secretKey: root}`)),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.PERMISSION_DENIED);
        assert.match(error.details ?? '', /^object "admin": permission denied on secret\/data\/admin for role "app"/);
        return true;
      },
    );
  });

  test('a KV v2 path without data/ that the policy denies: the message names the data/ path', async () => {
    // The role may read secret/data/app/*; secret/app/config is the same secret without data/.
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(`- {objectName: config, secretPath: secret/app/config, secretKey: k}`)),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.PERMISSION_DENIED);
        assert.match(
          error.details ?? '',
          /secret\/app\/config is on a KV version 2 mount, where the path needs "data\/": secret\/data\/app\/config/,
        );
        return true;
      },
    );
    // A KV v1 path that the policy denies gets no such hint.
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(`- {objectName: other, secretPath: kv/other, secretKey: k}`)),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.PERMISSION_DENIED);
        assert.doesNotMatch(error.details ?? '', /KV version 2/);
        return true;
      },
    );
  });

  test('a Vault namespace that does not exist is named, not the role binding', async () => {
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(KV_OBJECTS, { vaultNamespace: 'no-such-team' })),
      (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.INVALID_ARGUMENT);
        assert.match(error.details ?? '', /Vault namespace "no-such-team" does not exist/);
        assert.match(error.details ?? '', /check vaultNamespace/);
        assert.doesNotMatch(error.details ?? '', /binds this service account/);
        return true;
      },
    );
  });

  test('no token for our audience: the error tells the operator to add it to tokenRequests', async () => {
    const h2 = await startHarness({ driver: { tokenAudiences: ['sts.amazonaws.com'] } });
    try {
      await assert.rejects(
        h2.mount(h2.appPod(), spcParameters(KV_OBJECTS)),
        (error: { code?: number; details?: string }) => {
          assert.equal(error.code, status.UNAUTHENTICATED);
          assert.match(error.details ?? '', /tokenRequests/);
          assert.match(error.details ?? '', /"vault"/);
          return true;
        },
      );
    } finally {
      await h2.stop();
    }
  });

  test('the audience parameter picks another token; a role requiring another audience refuses ours', async () => {
    const h2 = await startHarness({ driver: { tokenAudiences: ['vault', 'custom-aud'] } });
    try {
      h2.vault.writeKubernetesRole('kubernetes', 'custom', {
        boundServiceAccountNames: ['app'],
        boundServiceAccountNamespaces: ['default'],
        audience: 'custom-aud',
        policies: ['app-read'],
      });
      const ok = await h2.mount(h2.appPod(), spcParameters(KV_OBJECTS, { roleName: 'custom', audience: 'custom-aud' }));
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');
      await assert.rejects(h2.mount(h2.appPod(), spcParameters(KV_OBJECTS, { roleName: 'custom' })), {
        code: status.UNAUTHENTICATED,
      });
    } finally {
      await h2.stop();
    }
  });

  test('tokens passed in secrets (serviceAccountTokenInSecrets) work too', async () => {
    const h2 = await startHarness({ driver: { tokensInSecrets: true } });
    try {
      const outcome = await h2.mount(h2.appPod(), spcParameters(KV_OBJECTS));
      assert.equal(outcome.files[0]!.contents.toString(), 'app-user');
    } finally {
      await h2.stop();
    }
  });

  test('a republish reuses the pod token: one login for many mounts; another pod logs in itself', async () => {
    h.vault.stats.reset();
    const pod = h.appPod();
    const target = h.target();
    for (let i = 0; i < 5; i++) await h.mount(pod, spcParameters(KV_OBJECTS), target);
    assert.equal(loginCount(h), 1);
    await h.mount(h.appPod(), spcParameters(KV_OBJECTS));
    assert.equal(loginCount(h), 2);
  });

  test('concurrent first mounts of one pod share one login', async () => {
    h.vault.stats.reset();
    const pod = h.appPod();
    await Promise.all(Array.from({ length: 6 }, () => h.mount(pod, spcParameters(KV_OBJECTS))));
    assert.equal(loginCount(h), 1);
  });

  test('a cached token revoked in Vault causes exactly one new login and one retry', async () => {
    const pod = h.appPod();
    await h.mount(pod, spcParameters(KV_OBJECTS));
    // Revoke every token Vault issued so far, as an operator would.
    const tokens = h.vault.listTokens();
    for (const token of tokens) h.vault.revokeToken(token);
    h.vault.stats.reset();
    const outcome = await h.mount(pod, spcParameters(KV_OBJECTS));
    assert.equal(outcome.files[0]!.contents.toString(), 'app-user');
    assert.equal(loginCount(h), 1);
    const reads = h.vault.stats.requests.filter((request) => request.path === '/v1/secret/data/app');
    assert.deepEqual(
      reads.map((request) => request.status),
      [403, 200],
    );
  });

  test('jwt auth mounts are served with the same login call (vaultAuthMountPath)', async () => {
    h.vault.enableJwtAuth('jwt', { publicKeysPem: [h.issuer.publicKeyPem], boundIssuer: h.issuer.issuer });
    h.vault.writeJwtRole('jwt', 'app-jwt', {
      boundAudiences: ['vault'],
      userClaim: 'sub',
      boundSubject: 'system:serviceaccount:default:app',
      policies: ['app-read'],
    });
    const outcome = await h.mount(
      h.appPod(),
      spcParameters(KV_OBJECTS, { roleName: 'app-jwt', vaultAuthMountPath: 'jwt' }),
    );
    assert.equal(outcome.files[0]!.contents.toString(), 'app-user');
  });
});
