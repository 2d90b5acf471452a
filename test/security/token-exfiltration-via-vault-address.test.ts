/**
 * Threat: an SPC or pod author names their own host as the Vault address, and the provider sends
 * the pod's service-account JWT there (or names a node-local service, turning the provider, root
 * on the node, into a request forger whose answers come back as files). Control: -allowed-vault-addresses, compared in a canonical
 * form so spelling tricks (case, trailing dot, default ports, userinfo, IPv4/IPv6 forms, `..`)
 * cannot slip past an entry.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ConfigError } from '../../src/config/command-line.js';
import { loadCommand } from '../../src/config/provider-config.js';
import { isAddressAllowed, parseAllowlistEntry } from '../../src/mount/policy/address-allowlist.js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf, startRecordingServer } from './attack-kit.js';

const ENTRIES = [
  'https://vault.example.com:8200',
  'https://vault2.example.com',
  'http://127.0.0.1:8200',
  'https://[2001:db8::1]',
  'https://*.vault.svc:8200',
  'unix:///run/vault/',
  'https://proxy.example.com/vault/',
].map(parseAllowlistEntry);

const ALLOWED = [
  'https://vault.example.com:8200',
  'HTTPS://VAULT.EXAMPLE.COM:8200',
  'https://vault.example.com.:8200',
  'https://vault.example.com:8200/',
  'https://vault.%65xample.com:8200',
  'https://vault2.example.com:443',
  'http://0x7f.0.0.1:8200',
  'http://2130706433:8200',
  'http://[::ffff:127.0.0.1]:8200',
  'https://[2001:0db8:0:0::1]:443',
  'https://[2001:DB8::1]',
  'https://a.vault.svc:8200',
  'https://a.b.vault.svc:8200',
  'unix:///run/vault/agent.sock',
  'https://proxy.example.com/vault/kv',
];

const REFUSED = [
  'https://vault.example.com:8201',
  'http://vault.example.com:8200',
  'https://vault.example.com.evil.test:8200',
  'https://vault.example.com:8200@evil.test',
  'https://vault.example.com@evil.test:8200',
  'https://evil.test\\@vault.example.com:8200',
  'https://evil.test#@vault.example.com:8200',
  'https://evil.test?@vault.example.com:8200',
  'https://vault.example.com:8200/extra',
  'https://vault2.example.com:8443',
  'http://127.0.0.2:8200',
  'http://[::1]:8200',
  'https://[2001:db8::2]',
  'https://vault.svc:8200',
  'https://a.vault.svc:8201',
  'https://a.vault.svc.evil.test:8200',
  'https://avault.svc:8200',
  'unix:///run/vault/../docker.sock',
  'unix:///run/vaultx.sock',
  'unix:///var/run/docker.sock',
  'https://proxy.example.com/vaultx',
  'https://proxy.example.com/vault/../admin',
  'ftp://vault.example.com:8200',
];

describe('threat: token exfiltration through a Vault address outside the allowlist', () => {
  test('canonical comparison: every spelling of an allowed address passes, every bypass attempt fails', () => {
    for (const address of ALLOWED) assert.equal(isAddressAllowed(address, ENTRIES), true, `should allow ${address}`);
    for (const address of REFUSED) assert.equal(isAddressAllowed(address, ENTRIES), false, `should refuse ${address}`);
  });

  test('a malformed allowlist entry stops the provider at start', () => {
    for (const entry of ['https://user@vault:8200', 'not a url', 'unix://relative']) {
      assert.throws(() => loadCommand([`-allowed-vault-addresses=${entry}`], {}), ConfigError);
    }
  });

  test('without the allowlist the provider warns once at start; with it, not at all', async () => {
    const warning = '"msg":"no Vault address allowlist: ';
    const open = await startHarness();
    const guarded = await startHarness({ providerArgs: ['-allowed-vault-addresses=https://vault.example.com:8200'] });
    try {
      await open.mount(
        open.appPod(),
        spcParameters('- {objectName: u, secretPath: secret/data/app, secretKey: username}'),
      );
      const warnings = open.logs.filter((line) => line.includes(warning));
      assert.equal(warnings.length, 1, 'one warning per process, not per Mount');
      assert.match(warnings[0] ?? '', /"level":"warn"/);
      assert.equal(guarded.logs.filter((line) => line.includes(warning)).length, 0);
    } finally {
      await open.stop();
      await guarded.stop();
    }
  });

  test('through the socket: the attacker host gets no request, allowed spellings are served', async () => {
    const decoy = await startRecordingServer();
    // The dev Vault is the operator's -vault-addr, allowed implicitly in any spelling.
    const guarded = await startHarness({ providerArgs: ['-allowed-vault-addresses=https://vault.example.com:8200'] });
    const vaultPort = new URL(guarded.vault.address).port;
    try {
      const objects = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';
      for (const vaultAddress of [
        decoy.address,
        `http://localhost:${decoy.port}`,
        `http://127.0.0.1:${vaultPort}@127.0.0.1:${decoy.port}`,
        `http://[::ffff:127.0.0.1]:${decoy.port}`,
        // Server-side request forgery from the node: cloud metadata, a local daemon's socket.
        'http://169.254.169.254',
        'unix:///var/run/docker.sock',
      ]) {
        const target = guarded.target();
        const failure = await failureOf(
          guarded.mount(guarded.appPod(), spcParameters(objects, { vaultAddress }), target),
        );
        assert.equal(failure.code, status.INVALID_ARGUMENT, vaultAddress);
        assert.match(failure.details ?? '', /vaultAddress/);
        assert.equal(existsSync(`${target}/u`), false);
      }
      assert.equal(decoy.requests.length, 0, 'the attacker host never saw a request');
      for (const vaultAddress of [`HTTP://127.0.0.1:${vaultPort}/`, `http://0x7f.0.0.1:${vaultPort}`]) {
        const ok = await guarded.mount(guarded.appPod(), spcParameters(objects, { vaultAddress }));
        assert.equal(ok.files[0]!.contents.toString(), 'app-user');
      }
    } finally {
      await guarded.stop();
      await decoy.close();
    }
  });
});
