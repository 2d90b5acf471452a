/**
 * Threat: a pod author forges `csi.storage.k8s.io/serviceAccount.tokens` (possible through
 * volumeAttributes when the CSIDriver has no tokenRequests, since kubelet then adds no tokens key
 * of its own) with a JWT claiming a privileged service account, signed by a key of their own.
 * Control: the provider never trusts token claims; Vault verifies the signature and refuses, and
 * nothing is served.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { createServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import { DriverEmulator, FAST_RETRY_BACKOFF } from '../support/driver/index.js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

const OBJECTS = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';

describe('threat: forged service-account token signed with the wrong key', () => {
  test('through volumeAttributes (no tokenRequests) and through a rogue issuer: Vault refuses, no files', async () => {
    const h = await startHarness({ driver: { tokenAudiences: [] } });
    // Same issuer name as the cluster, different key: only the signature tells them apart.
    const rogue = await createServiceAccountIssuer({ issuer: h.issuer.issuer });
    const rogueDriver = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: rogue,
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    try {
      const victim = h.appPod({ serviceAccountName: 'app' });
      const attacker = h.appPod({ serviceAccountName: 'intruder' });
      const forged = await rogue.sign({
        namespace: 'default',
        serviceAccountName: 'app',
        podName: attacker.name,
        podUid: attacker.uid,
        audiences: ['vault'],
      });
      const target = h.target();
      const failure = await failureOf(
        h.driver.mount(
          attacker,
          {
            spc: h.spc(spcParameters(OBJECTS)),
            volumeAttributes: { 'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify({ vault: forged }) },
          },
          target,
        ),
      );
      assert.equal(failure.code, status.UNAUTHENTICATED);
      assert.equal(existsSync(`${target}/u`), false);

      // A whole rogue token issuer (e.g. a node's kubelet impersonated) for the bound account.
      const target2 = h.target();
      const failure2 = await failureOf(rogueDriver.mount(victim, { spc: h.spc(spcParameters(OBJECTS)) }, target2));
      assert.equal(failure2.code, status.UNAUTHENTICATED);
      assert.equal(existsSync(`${target2}/u`), false);
      assert.equal(h.vault.issuedTokens().length, 0, 'Vault issued no token for a forged JWT');
    } finally {
      rogueDriver.close();
      await h.stop();
    }
  });

  test('-service-account-token-source=secrets: tokens in volumeAttributes are refused before any login, even validly signed ones', async () => {
    const h = await startHarness({
      driver: { tokensInSecrets: true },
      providerArgs: ['-service-account-token-source=secrets'],
    });
    // The same provider as reached by a driver whose CSIDriver lacks tokenRequests (misconfigured).
    const bare = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: h.issuer,
      tokenAudiences: [],
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    try {
      const ok = await h.mount(h.appPod(), spcParameters(OBJECTS));
      assert.equal(ok.files[0]!.contents.toString(), 'app-user', 'kubelet tokens in secrets are served');
      const attacker = h.appPod({ serviceAccountName: 'intruder' });
      // A genuine JWT of the bound account, stolen and replayed by another pod.
      const stolen = await h.issuer.sign({
        namespace: 'default',
        serviceAccountName: 'app',
        podName: 'victim',
        podUid: 'victim-uid',
        audiences: ['vault'],
      });
      h.vault.stats.reset();
      const target = h.target();
      const failure = await failureOf(
        bare.mount(
          attacker,
          {
            spc: h.spc(spcParameters(OBJECTS)),
            volumeAttributes: { 'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify({ vault: stolen }) },
          },
          target,
        ),
      );
      assert.equal(failure.code, status.INVALID_ARGUMENT);
      assert.match(failure.details ?? '', /-service-account-token-source=secrets/);
      assert.ok(!(failure.details ?? '').includes(stolen.token));
      assert.equal(existsSync(`${target}/u`), false);
      assert.equal(h.vault.stats.requests.length, 0, 'the replayed token never reached Vault');
    } finally {
      bare.close();
      await h.stop();
    }
  });
});
