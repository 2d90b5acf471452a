/**
 * TLS material for the HTTPS listener, generated fresh for each server start: a CA, a server
 * certificate for 127.0.0.1 / localhost / vault.dev.test, and a client certificate for mTLS
 * (CN=vault-csi-provider). EC P-256 keys keep generation to milliseconds. The PEM files live in
 * a temp dir that `stop()` removes.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomSerial } from './ids.js';
import { buildCertificate } from './x509.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface DevVaultTlsMaterial {
  /** Temp dir holding the PEM files below (removed on stop). */
  dir: string;
  /** CA that signed the server cert (server cert has SANs 127.0.0.1, localhost, vault.dev.test). */
  caCertPath: string;
  caCertPem: string;
  /** A client cert signed by the same CA (CN=vault-csi-provider), for mTLS. */
  clientCertPath: string;
  clientKeyPath: string;
  clientCertPem: string;
  clientKeyPem: string;
  serverCertPath: string;
  serverKeyPath: string;
}

export interface TlsBundle {
  readonly material: DevVaultTlsMaterial;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
}

async function ecKey(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
}

const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

export async function createTlsMaterial(nowMs: number): Promise<TlsBundle> {
  const [caKeys, serverKeys, clientKeys] = await Promise.all([ecKey(), ecKey(), ecKey()]);
  const notBeforeMs = nowMs - 60_000;
  const notAfterMs = nowMs + 365 * 86_400_000;
  const ca = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'vault-dev test CA',
    subjectOrganization: 'vault-csi-provider-ts',
    notBeforeMs,
    notAfterMs,
    publicKey: caKeys.publicKey,
    isCa: true,
    signingKey: caKeys.privateKey,
  });
  const issuer = { certificate: ca.x509, name: ca.name };
  const server = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'vault.dev.test',
    notBeforeMs,
    notAfterMs,
    publicKey: serverKeys.publicKey,
    isCa: false,
    dnsNames: ['localhost', 'vault.dev.test'],
    ipAddresses: ['127.0.0.1'],
    extKeyUsage: ['serverAuth'],
    issuer,
    signingKey: caKeys.privateKey,
  });
  const client = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'vault-csi-provider',
    notBeforeMs,
    notAfterMs,
    publicKey: clientKeys.publicKey,
    isCa: false,
    extKeyUsage: ['clientAuth'],
    issuer,
    signingKey: caKeys.privateKey,
  });

  const dir = await mkdtemp(join(tmpdir(), 'vault-dev-tls-'));
  const files = {
    caCertPath: join(dir, 'ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server-key.pem'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client-key.pem'),
  };
  const material: DevVaultTlsMaterial = {
    dir,
    ...files,
    caCertPem: `${ca.pem}\n`,
    clientCertPem: `${client.pem}\n`,
    clientKeyPem: keyPem(clientKeys.privateKey),
  };
  const serverKeyPem = keyPem(serverKeys.privateKey);
  await Promise.all([
    writeFile(files.caCertPath, material.caCertPem),
    writeFile(files.serverCertPath, `${server.pem}\n`),
    writeFile(files.serverKeyPath, serverKeyPem, { mode: 0o600 }),
    writeFile(files.clientCertPath, material.clientCertPem),
    writeFile(files.clientKeyPath, material.clientKeyPem, { mode: 0o600 }),
  ]);
  return { material, serverCertPem: `${server.pem}\n`, serverKeyPem };
}

export async function removeTlsMaterial(material: DevVaultTlsMaterial): Promise<void> {
  await rm(material.dir, { recursive: true, force: true });
}
