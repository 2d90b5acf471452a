import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';

const OBJECTS = `- {objectName: username, secretPath: secret/data/app, secretKey: username}`;

interface GrpcError {
  code?: number;
  details?: string;
}

describe('TLS toward Vault', () => {
  test('HTTPS with the CA from the flag; a CA directory; SNI; skip-verify warns loudly', async () => {
    const h = await startHarness({ vault: { tls: true } });
    try {
      const ok = await h.mount(h.appPod(), spcParameters(OBJECTS));
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');

      const caDir = join(h.dir, 'cas');
      await mkdir(caDir);
      await copyFile(h.vault.tls!.caCertPath, join(caDir, 'vault-ca.pem'));
      // The SPC address uses an IP whose cert SAN also covers vault.dev.test, selected by SNI.
      const viaDir = await h.mount(
        h.appPod(),
        spcParameters(OBJECTS, { vaultCADirectory: caDir, vaultTLSServerName: 'vault.dev.test' }),
      );
      assert.equal(viaDir.files[0]!.contents.toString(), 'app-user');

      await assert.rejects(
        h.mount(h.appPod(), spcParameters(OBJECTS, { vaultTLSServerName: 'not-in-the-cert.example' })),
        (error: GrpcError) => {
          assert.equal(error.code, status.UNAVAILABLE);
          assert.match(error.details ?? '', /vaultTLSServerName|ERR_TLS|CERT/);
          return true;
        },
      );
    } finally {
      await h.stop();
    }
  });

  test('an untrusted server certificate is refused unless the SPC skips verification', async () => {
    const h = await startHarness({ vault: { tls: true }, providerArgs: ['-vault-tls-ca-cert='] });
    try {
      await assert.rejects(h.mount(h.appPod(), spcParameters(OBJECTS)), (error: GrpcError) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details ?? '', /vaultCACertPath|ca-cert/);
        return true;
      });
      const insecure = await h.mount(h.appPod(), spcParameters(OBJECTS, { vaultSkipTLSVerify: 'true' }));
      assert.equal(insecure.files[0]!.contents.toString(), 'app-user');
      assert.ok(h.logs.some((line) => line.includes('TLS verification of Vault is OFF')));
    } finally {
      await h.stop();
    }
  });

  test('mTLS: Vault requiring client certificates accepts ours and refuses a mount without one', async () => {
    const h = await startHarness({ vault: { tls: { requireClientCert: true } } });
    try {
      const tls = h.vault.tls!;
      await assert.rejects(h.mount(h.appPod(), spcParameters(OBJECTS)), (error: GrpcError) => {
        assert.equal(error.code, status.UNAVAILABLE);
        return true;
      });
      const ok = await h.mount(
        h.appPod(),
        spcParameters(OBJECTS, {
          vaultTLSClientCertPath: tls.clientCertPath,
          vaultTLSClientKeyPath: tls.clientKeyPath,
        }),
      );
      assert.equal(ok.files[0]!.contents.toString(), 'app-user');
      assert.ok(!h.logs.some((line) => line.includes('PRIVATE KEY')), 'the client key never reaches the logs');
    } finally {
      await h.stop();
    }
  });

  test('an unreadable CA path is InvalidArgument naming the parameter, without file contents', async () => {
    const h = await startHarness({ vault: { tls: true } });
    try {
      await assert.rejects(
        h.mount(h.appPod(), spcParameters(OBJECTS, { vaultCACertPath: '/nonexistent/ca.pem' })),
        (error: GrpcError) => {
          assert.equal(error.code, status.INVALID_ARGUMENT);
          assert.match(error.details ?? '', /parameter "vaultCACertPath": cannot read "\/nonexistent\/ca.pem".*ENOENT/);
          return true;
        },
      );
      await assert.rejects(
        h.mount(h.appPod(), spcParameters(OBJECTS, { vaultCACertPath: '/etc/hostname' })),
        (error: GrpcError) => {
          assert.equal(error.code, status.INVALID_ARGUMENT);
          assert.match(error.details ?? '', /does not contain PEM data/);
          return true;
        },
      );
    } finally {
      await h.stop();
    }
  });
});
