import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeProtectedHeader, errors, importSPKI, jwtVerify } from 'jose';
import { makePod } from '../support/cluster/pod.js';
import { createServiceAccountIssuer, serviceAccountUid } from '../support/cluster/service-account-issuer.js';

describe('createServiceAccountIssuer', () => {
  for (const algorithm of ['RS256', 'ES256'] as const) {
    test(`${algorithm} tokens verify against publicKeyPem and carry projected-token claims`, async () => {
      const issuer = await createServiceAccountIssuer({ algorithm });
      const pod = makePod({ namespace: 'team-a', serviceAccountName: 'reader' });
      const nowMs = Date.now();
      const { token, expirationTimestamp } = await issuer.sign({
        namespace: pod.namespace,
        serviceAccountName: pod.serviceAccountName,
        podName: pod.name,
        podUid: pod.uid,
        audiences: ['vault'],
        nowMs,
      });

      const key = await importSPKI(issuer.publicKeyPem, algorithm);
      const { payload, protectedHeader } = await jwtVerify(token, key, {
        issuer: 'https://kubernetes.default.svc.cluster.local',
        audience: 'vault',
      });
      assert.deepEqual(protectedHeader, { alg: algorithm, kid: issuer.keyId });
      const iat = Math.floor(nowMs / 1000);
      assert.deepEqual(payload.aud, ['vault']);
      assert.equal(payload.iat, iat);
      assert.equal(payload.nbf, iat);
      assert.equal(payload.exp, iat + 3600);
      assert.equal(payload.sub, 'system:serviceaccount:team-a:reader');
      assert.equal(typeof payload.jti, 'string');
      assert.deepEqual(payload['kubernetes.io'], {
        namespace: 'team-a',
        pod: { name: pod.name, uid: pod.uid },
        serviceaccount: { name: 'reader', uid: serviceAccountUid('team-a', 'reader') },
      });
      assert.equal(expirationTimestamp, new Date((iat + 3600) * 1000).toISOString().replace('.000Z', 'Z'));
      assert.match(expirationTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    });
  }

  test('custom issuer, several audiences, custom ttl; a token from another key does not verify', async () => {
    const issuer = await createServiceAccountIssuer({ issuer: 'https://oidc.example.test', algorithm: 'ES256' });
    const other = await createServiceAccountIssuer({ algorithm: 'ES256' });
    const claims = {
      namespace: 'n',
      serviceAccountName: 's',
      podName: 'p',
      podUid: 'u',
      audiences: ['a', 'b'],
      ttlSeconds: 600,
    };
    const { token } = await issuer.sign(claims);
    const { payload } = await jwtVerify(token, await importSPKI(issuer.publicKeyPem, 'ES256'), { audience: 'b' });
    assert.equal(payload.iss, 'https://oidc.example.test');
    assert.deepEqual(payload.aud, ['a', 'b']);
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.notEqual(decodeProtectedHeader(token).kid, other.keyId);
    await assert.rejects(
      jwtVerify(token, await importSPKI(other.publicKeyPem, 'ES256')),
      errors.JWSSignatureVerificationFailed,
    );
  });

  test('expired tokens are expired', async () => {
    const issuer = await createServiceAccountIssuer({ algorithm: 'ES256' });
    const { token } = await issuer.sign({
      namespace: 'n',
      serviceAccountName: 's',
      podName: 'p',
      podUid: 'u',
      audiences: ['vault'],
      ttlSeconds: 600,
      nowMs: Date.now() - 3_600_000,
    });
    await assert.rejects(jwtVerify(token, await importSPKI(issuer.publicKeyPem, 'ES256')), errors.JWTExpired);
  });

  test('service-account uids are stable per namespace/name and look like v5 uuids', () => {
    assert.equal(serviceAccountUid('default', 'default'), serviceAccountUid('default', 'default'));
    assert.notEqual(serviceAccountUid('default', 'default'), serviceAccountUid('other', 'default'));
    assert.match(serviceAccountUid('a', 'b'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('makePod: random uid, defaults, overrides', () => {
    const a = makePod();
    const b = makePod({ namespace: 'ns', name: 'web-0', serviceAccountName: 'web' });
    assert.equal(a.namespace, 'default');
    assert.equal(a.serviceAccountName, 'default');
    assert.match(a.uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.uid, b.uid);
    assert.deepEqual({ ...b, uid: '' }, { namespace: 'ns', name: 'web-0', serviceAccountName: 'web', uid: '' });
  });
});
