/**
 * Threat: an SPC author points vaultCACertPath, vaultCADirectory or the client cert/key at node
 * files (the provider runs as root) to learn whether they exist or what they hold through error
 * messages, or to make the provider trust a CA of their choosing. Control: -allowed-tls-file-dirs
 * with `..` refused and symlinks resolved before the directory check; errors never echo contents.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

const OBJECTS = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';
const KEY_CANARY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-node-key-canary';

describe('threat: reading node files through TLS file parameters', () => {
  test('.., symlinks and paths outside -allowed-tls-file-dirs are refused without echoing contents', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcp-tlsdirs-'));
    const allowed = join(root, 'allowed');
    const outside = join(root, 'node-secrets');
    await mkdir(allowed);
    await mkdir(outside);
    const outsideKey = join(outside, 'kubelet.key');
    await writeFile(outsideKey, `-----BEGIN PRIVATE KEY-----\n${KEY_CANARY}\n-----END PRIVATE KEY-----\n`);
    await symlink(outsideKey, join(allowed, 'link.pem'));
    await symlink(outside, join(allowed, 'dir-link'));
    const h = await startHarness({ vault: { tls: true }, providerArgs: [`-allowed-tls-file-dirs=${allowed}`] });
    try {
      await copyFile(h.vault.tls!.caCertPath, join(allowed, 'ca.pem'));
      const ok = await h.mount(h.appPod(), spcParameters(OBJECTS, { vaultCACertPath: join(allowed, 'ca.pem') }));
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');

      const attacks: Record<string, string>[] = [
        { vaultCACertPath: outsideKey },
        { vaultCACertPath: `${allowed}/../node-secrets/kubelet.key` },
        { vaultCACertPath: join(allowed, 'link.pem') },
        { vaultCADirectory: join(allowed, 'dir-link') },
        { vaultCADirectory: outside },
        { vaultCACertPath: '/etc/shadow' },
        { vaultCACertPath: '/proc/self/environ' },
        { vaultTLSClientCertPath: join(allowed, 'ca.pem'), vaultTLSClientKeyPath: outsideKey },
        { vaultTLSClientCertPath: join(allowed, 'ca.pem'), vaultTLSClientKeyPath: join(allowed, 'link.pem') },
      ];
      for (const parameters of attacks) {
        const failure = await failureOf(h.mount(h.appPod(), spcParameters(OBJECTS, parameters)));
        const what = JSON.stringify(parameters);
        assert.equal(failure.code, status.INVALID_ARGUMENT, what);
        assert.match(failure.details ?? '', /\.\.|not in the directories the operator allows/, what);
        assert.ok(!(failure.details ?? '').includes(KEY_CANARY), `key content echoed for ${what}`);
        if (!Object.values(parameters).some((path) => path.startsWith(outside))) {
          // The author's own path is shown; where a symlink leads is not.
          assert.ok(!(failure.details ?? '').includes(outside), `resolved target echoed for ${what}`);
        }
      }
      assert.ok(!h.logs.join('\n').includes(KEY_CANARY), 'key content reached the logs');
    } finally {
      await h.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a missing file and a file outside the allowed directories get one answer: no existence oracle', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcp-tlsprobe-'));
    const allowed = join(root, 'allowed');
    const node = join(root, 'node');
    await mkdir(allowed);
    await mkdir(node);
    await writeFile(join(node, 'present.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    await writeFile(join(allowed, 'client.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    await symlink(join(node, 'present.pem'), join(allowed, 'to-present.pem'));
    await symlink(join(node, 'absent.pem'), join(allowed, 'to-absent.pem'));
    const h = await startHarness({ providerArgs: [`-allowed-tls-file-dirs=${allowed}`] });
    try {
      // Each pair differs only in whether the node file exists; the author must not learn which.
      const pairs: [string, string, string][] = [
        ['vaultCACertPath', join(node, 'present.pem'), join(node, 'absent.pem')],
        ['vaultCADirectory', node, join(root, 'absent-dir')],
        ['vaultCACertPath', join(allowed, 'to-present.pem'), join(allowed, 'to-absent.pem')],
        ['vaultTLSClientKeyPath', join(node, 'present.pem'), join(node, 'absent.pem')],
      ];
      for (const [parameter, present, absent] of pairs) {
        const answer = async (path: string) => {
          const parameters =
            parameter === 'vaultTLSClientKeyPath'
              ? { vaultTLSClientCertPath: join(allowed, 'client.pem'), vaultTLSClientKeyPath: path }
              : { [parameter]: path };
          const failure = await failureOf(h.mount(h.appPod(), spcParameters(OBJECTS, parameters)));
          assert.equal(failure.code, status.INVALID_ARGUMENT, path);
          return (failure.details ?? '').replace(path, '<path>');
        };
        const [forPresent, forAbsent] = [await answer(present), await answer(absent)];
        assert.match(forPresent, new RegExp(`parameter "${parameter}": "<path>" is not in the directories`));
        assert.equal(forPresent, forAbsent, `${parameter}: the answers differ`);
      }
    } finally {
      await h.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
