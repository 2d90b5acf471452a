/**
 * Threat: a pod author (who may not edit the SecretProviderClass) shadows its security-relevant
 * parameters through the pod's inline volumeAttributes, which the driver copies over the SPC
 * parameters: another Vault address, TLS verification off, another auth mount or audience.
 * Control: -volume-attribute-overrides=deny|ignore pins -protected-parameters to the provider
 * flags (the provider sees one merged map and cannot tell who wrote a key; see docs/security.md).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ConfigError } from '../../src/config/command-line.js';
import { loadCommand } from '../../src/config/provider-config.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';
import { failureOf, startRecordingServer } from './attack-kit.js';

const OBJECTS = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';

function mountWithAttributes(h: Harness, volumeAttributes: Record<string, string>, target = h.target()) {
  return h.driver.mount(h.appPod(), { spc: h.spc(spcParameters(OBJECTS)), volumeAttributes }, target);
}

describe('threat: a pod overrides security-relevant SPC parameters through volumeAttributes', () => {
  test('deny: the mount is refused naming the parameter, and the attacker address sees nothing', async () => {
    const decoy = await startRecordingServer();
    const h = await startHarness({ providerArgs: ['-volume-attribute-overrides=deny'] });
    try {
      for (const attributes of [
        { vaultAddress: decoy.address },
        { vaultSkipTLSVerify: 'true' },
        { vaultAuthMountPath: 'jwt' },
        { audience: 'sts.amazonaws.com' },
        { vaultCACertPath: '/etc/ssl/certs/ca-certificates.crt' },
      ]) {
        const target = h.target();
        const failure = await failureOf(mountWithAttributes(h, attributes, target));
        assert.equal(failure.code, status.INVALID_ARGUMENT);
        assert.match(failure.details ?? '', new RegExp(`"${Object.keys(attributes)[0]}"`));
        assert.match(failure.details ?? '', /-volume-attribute-overrides=deny/);
        assert.equal(existsSync(`${target}/u`), false);
      }
      assert.equal(decoy.requests.length, 0);
      // Unprotected keys still pass (roleName is checked by Vault's binding).
      const ok = await mountWithAttributes(h, { roleName: 'app' });
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');
    } finally {
      await h.stop();
      await decoy.close();
    }
  });

  test('ignore: the flag values are used, the key names (not values) are logged', async () => {
    const decoy = await startRecordingServer();
    const h = await startHarness({ providerArgs: ['-volume-attribute-overrides=ignore'] });
    try {
      const ok = await mountWithAttributes(h, { vaultAddress: decoy.address, vaultNamespace: 'evil' });
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');
      assert.equal(decoy.requests.length, 0);
      const warning = h.logs.find((line) => line.includes('-volume-attribute-overrides=ignore'));
      assert.ok(warning?.includes('vaultAddress'));
      assert.ok(!warning!.includes(decoy.address), 'the ignored value is not logged');
    } finally {
      await h.stop();
      await decoy.close();
    }
  });

  test('allow (default) keeps the driver behaviour; roleName and objects cannot be protected', async () => {
    const h = await startHarness();
    try {
      const failure = await failureOf(mountWithAttributes(h, { vaultAuthMountPath: 'nonexistent' }));
      assert.equal(failure.code, status.UNAUTHENTICATED, 'the pod override reached Vault, as with the Go provider');
    } finally {
      await h.stop();
    }
    for (const parameter of ['roleName', 'objects', 'vaultAdress']) {
      assert.throws(() => loadCommand([`-protected-parameters=${parameter}`], {}), ConfigError);
    }
    assert.throws(() => loadCommand(['-volume-attribute-overrides=maybe'], {}), ConfigError);
  });
});
