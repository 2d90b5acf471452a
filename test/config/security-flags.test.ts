import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/command-line.js';
import { loadCommand } from '../../src/config/provider-config.js';

function security(args: string[]) {
  const command = loadCommand(args, {});
  if (command.kind !== 'serve') throw new Error('expected a serve command');
  return command.config.security;
}

describe('security flags', () => {
  test('defaults are permissive and documented', () => {
    const policy = security([]);
    assert.equal(policy.allowedVaultAddresses, undefined);
    assert.equal(policy.allowedTlsFileDirs, undefined);
    assert.equal(policy.overrides.mode, 'allow');
    assert.equal(policy.tokenSource, 'any');
    assert.deepEqual(policy.limits, { maxAttributesBytes: 1048576, maxObjects: 1000, maxYamlDepth: 64 });
  });

  test('values are parsed', () => {
    const policy = security([
      '-allowed-vault-addresses=https://vault:8200, unix:///run/vault/',
      '-allowed-tls-file-dirs=/etc/vault-tls',
      '-volume-attribute-overrides=deny',
      '-protected-parameters=vaultAddress,vaultSkipTLSVerify',
      '-service-account-token-source=secrets',
      '-max-objects=10',
    ]);
    assert.equal(policy.allowedVaultAddresses?.length, 2);
    assert.deepEqual(policy.allowedTlsFileDirs, ['/etc/vault-tls']);
    assert.deepEqual(policy.overrides, { mode: 'deny', protectedParameters: ['vaultAddress', 'vaultSkipTLSVerify'] });
    assert.equal(policy.tokenSource, 'secrets');
    assert.equal(policy.limits.maxObjects, 10);
  });

  const invalid: [string, RegExp][] = [
    ['-allowed-vault-addresses=https://user:pw@vault', /userinfo/],
    ['-allowed-tls-file-dirs=relative/dir', /absolute/],
    ['-allowed-tls-file-dirs=/etc/../root', /absolute, without/],
    ['-volume-attribute-overrides=off', /allow, ignore or deny/],
    ['-protected-parameters=roleName', /cannot be protected/],
    ['-protected-parameters=vaultAdress', /unknown parameter/],
    ['-service-account-token-source=attributes', /any or secrets/],
    ['-max-attributes-bytes=0', /integer >= 1/],
    ['-max-yaml-depth=deep', /integer >= 1/],
  ];
  for (const [flag, message] of invalid) {
    test(`refused at start: ${flag}`, () => {
      assert.throws(
        () => loadCommand([flag], {}),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('pw@'), 'credentials in an entry are not echoed');
          return true;
        },
      );
    });
  }
});
