/**
 * TLS toward a real OpenBao: a CA file and a CA directory (`vaultCACertPath`,
 * `vaultCADirectory`), client certificates on a listener that requires them (mTLS), and SNI
 * (`vaultTLSServerName`) on a listener whose certificate names only that server name. Each
 * success is checked against a failure that differs only in the TLS parameter under test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { realServersGate } from './support/binaries.js';
import { startRealRig, type RealRig } from './support/real-rig.js';

interface ServiceError {
  readonly code: number;
  readonly details: string;
}

const OBJECTS = '- {objectName: value, secretPath: secret/data/tls, secretKey: value}';

// Concurrent: each refused mount waits out the driver's own retries of Unavailable (about 2 s).
describe('real OpenBao: TLS, mTLS, CA directory and SNI', { ...realServersGate(), concurrency: true }, () => {
  let rig: RealRig;
  before(async () => {
    // TLS failures are not transient: no retries, so each refusal costs milliseconds.
    rig = await startRealRig({ providerArgs: () => ['-vault-max-retries=0'] });
    await rig.setup.writeKv2('secret', 'tls', { value: 'over-tls' });
    await rig.grant('tls', { 'secret/data/tls': ['read'] });
  });
  after(() => rig.stop());

  const publish = (parameters: Record<string, string>) =>
    rig.publish(rig.pod('tls'), { roleName: 'tls', objects: OBJECTS, ...parameters });

  const refused = (pattern: RegExp) => (error: ServiceError) => {
    assert.equal(error.code, status.UNAVAILABLE);
    assert.match(error.details, pattern);
    return true;
  };

  test('a CA file verifies the server; without it the system roots refuse it', async () => {
    const published = await publish({ vaultAddress: rig.bao.listeners.tls, vaultCACertPath: rig.bao.tls.caCertPath });
    assert.equal(published.files.get('value'), 'over-tls');
    await assert.rejects(publish({ vaultAddress: rig.bao.listeners.tls }), refused(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/));
  });

  test('a CA directory (the CA among other PEM files) verifies the server', async () => {
    const published = await publish({ vaultAddress: rig.bao.listeners.tls, vaultCADirectory: rig.bao.tls.caDir });
    assert.equal(published.files.get('value'), 'over-tls');
  });

  test('mTLS: the client certificate is presented; without one, or from another CA, OpenBao refuses', async () => {
    const base = { vaultAddress: rig.bao.listeners.mtls, vaultCACertPath: rig.bao.tls.caCertPath };
    const published = await publish({
      ...base,
      vaultTLSClientCertPath: rig.bao.tls.clientCertPath,
      vaultTLSClientKeyPath: rig.bao.tls.clientKeyPath,
    });
    assert.equal(published.files.get('value'), 'over-tls');
    await assert.rejects(publish(base), refused(/vaultTLSClientCertPath/));
    await assert.rejects(
      publish({
        ...base,
        vaultTLSClientCertPath: rig.bao.tls.strangerCertPath,
        vaultTLSClientKeyPath: rig.bao.tls.strangerKeyPath,
      }),
      refused(/vaultTLSClientCertPath/),
    );
  });

  test('SNI: the server name verifies a certificate that does not name 127.0.0.1', async () => {
    const base = { vaultAddress: rig.bao.listeners.sni, vaultCACertPath: rig.bao.tls.caCertPath };
    const published = await publish({ ...base, vaultTLSServerName: rig.bao.listeners.sniServerName });
    assert.equal(published.files.get('value'), 'over-tls');
    await assert.rejects(publish(base), refused(/ERR_TLS_CERT_ALTNAME_INVALID.*vaultTLSServerName/));
  });
});
