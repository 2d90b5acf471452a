/**
 * Threat: a pod whose service account is not bound to the role reads a secret because another
 * pod with the same SecretProviderClass just read it (a shared token or response cache keyed
 * without the pod's identity). Control: tokens are cached per pod uid + service account +
 * connection + role; responses are never cached across mounts; each login uses the pod's JWT.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

// A static secret and a dynamic credential (held by the lease cache across mounts).
const OBJECTS = `
- {objectName: password, secretPath: secret/data/app, secretKey: password}
- {objectName: db-password, secretPath: database/creds/app, secretKey: password}`;

describe('threat: a pod reads through the cache another pod filled', () => {
  test('right after a bound pod read the path, unbound pods with the same SPC get nothing', async () => {
    const h = await startHarness();
    h.vault.writeDatabaseRole('app', { defaultTtlSeconds: 600, maxTtlSeconds: 900 });
    try {
      const bound = h.appPod();
      const ok = await h.mount(bound, spcParameters(OBJECTS));
      assert.equal(ok.files[0]!.contents.toString(), 's3cr3t-Pa55');
      const attackers = [
        h.appPod({ serviceAccountName: 'intruder' }),
        // Same pod name as the bound pod, another service account (a re-created pod).
        h.appPod({ serviceAccountName: 'intruder', name: bound.name }),
        // Same service account name in another namespace.
        h.appPod({ namespace: 'other' }),
      ];
      for (const attacker of attackers) {
        const target = h.target();
        const failure = await failureOf(h.mount(attacker, spcParameters(OBJECTS), target));
        assert.equal(failure.code, status.UNAUTHENTICATED, JSON.stringify(attacker));
        assert.equal(existsSync(`${target}/password`), false);
        assert.equal(existsSync(`${target}/db-password`), false);
      }
      // Interleaved and concurrent: the bound pod keeps working, the others keep failing.
      const results = await Promise.allSettled([
        h.mount(bound, spcParameters(OBJECTS)),
        h.mount(attackers[0]!, spcParameters(OBJECTS)),
        h.mount(bound, spcParameters(OBJECTS)),
        h.mount(attackers[1]!, spcParameters(OBJECTS)),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
      );
    } finally {
      await h.stop();
    }
  });
});
