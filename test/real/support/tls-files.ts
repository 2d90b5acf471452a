/**
 * Certificates for OpenBao's TLS listeners, written as PEM files (per OpenBao process): one CA
 * signs a server certificate for 127.0.0.1 and localhost, a certificate valid ONLY for
 * `SNI_SERVER_NAME` (so a client that does not send that name fails verification), and a client
 * certificate for the listener that requires one. `caDir` holds the CA among other PEM files,
 * as a CA directory (`vaultCADirectory`) does.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomSerial } from '../../support/vault-dev/ids.js';
import { buildCertificate, type BuiltCertificate } from '../../support/vault-dev/x509.js';

/** The only name on the SNI listener's certificate; it does not resolve, clients dial 127.0.0.1. */
export const SNI_SERVER_NAME = 'openbao.sni.test';

export interface TlsFiles {
  readonly caCertPath: string;
  readonly caCertPem: string;
  /** A directory with the CA and an unrelated CA, each in its own PEM file. */
  readonly caDir: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  readonly sniCertPath: string;
  readonly sniKeyPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** A client certificate from a CA the server does not trust. */
  readonly strangerCertPath: string;
  readonly strangerKeyPath: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);
const ecKey = (): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> =>
  generateKeyPairAsync('ec', { namedCurve: 'P-256' });
const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

interface Leaf {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly use: 'serverAuth' | 'clientAuth';
}

async function certificateAuthority(
  commonName: string,
  nowMs: number,
): Promise<{ ca: BuiltCertificate; issue(leaf: Leaf): Promise<{ cert: string; key: string }> }> {
  const keys = await ecKey();
  const validity = { notBeforeMs: nowMs - 60_000, notAfterMs: nowMs + 86_400_000 };
  const ca = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: commonName,
    ...validity,
    publicKey: keys.publicKey,
    isCa: true,
    signingKey: keys.privateKey,
  });
  return {
    ca,
    async issue(leaf) {
      const leafKeys = await ecKey();
      const cert = buildCertificate({
        serial: randomSerial(),
        subjectCommonName: leaf.commonName,
        ...validity,
        publicKey: leafKeys.publicKey,
        isCa: false,
        ...(leaf.dnsNames === undefined ? {} : { dnsNames: leaf.dnsNames }),
        ...(leaf.ipAddresses === undefined ? {} : { ipAddresses: leaf.ipAddresses }),
        extKeyUsage: [leaf.use],
        issuer: { certificate: ca.x509, name: ca.name },
        signingKey: keys.privateKey,
      });
      return { cert: `${cert.pem}\n`, key: keyPem(leafKeys.privateKey) };
    },
  };
}

export async function writeTlsFiles(dir: string, nowMs = Date.now()): Promise<TlsFiles> {
  await mkdir(join(dir, 'ca-dir'), { recursive: true });
  const authority = await certificateAuthority('openbao test CA', nowMs);
  const stranger = await certificateAuthority('unrelated CA', nowMs);
  const [server, sni, client, strangerClient] = await Promise.all([
    authority.issue({
      commonName: 'openbao',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      use: 'serverAuth',
    }),
    authority.issue({ commonName: SNI_SERVER_NAME, dnsNames: [SNI_SERVER_NAME], use: 'serverAuth' }),
    authority.issue({ commonName: 'vault-csi-provider', use: 'clientAuth' }),
    stranger.issue({ commonName: 'vault-csi-provider', use: 'clientAuth' }),
  ]);
  const caCertPem = `${authority.ca.pem}\n`;
  const files: TlsFiles = {
    caCertPath: join(dir, 'ca.pem'),
    caCertPem,
    caDir: join(dir, 'ca-dir'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server-key.pem'),
    sniCertPath: join(dir, 'sni.pem'),
    sniKeyPath: join(dir, 'sni-key.pem'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client-key.pem'),
    strangerCertPath: join(dir, 'stranger.pem'),
    strangerKeyPath: join(dir, 'stranger-key.pem'),
  };
  await Promise.all([
    writeFile(files.caCertPath, caCertPem),
    writeFile(join(files.caDir, 'openbao-ca.pem'), caCertPem),
    writeFile(join(files.caDir, 'other-ca.pem'), `${stranger.ca.pem}\n`),
    writeFile(files.serverCertPath, server.cert),
    writeFile(files.serverKeyPath, server.key, { mode: 0o600 }),
    writeFile(files.sniCertPath, sni.cert),
    writeFile(files.sniKeyPath, sni.key, { mode: 0o600 }),
    writeFile(files.clientCertPath, client.cert),
    writeFile(files.clientKeyPath, client.key, { mode: 0o600 }),
    writeFile(files.strangerCertPath, strangerClient.cert),
    writeFile(files.strangerKeyPath, strangerClient.key, { mode: 0o600 }),
  ]);
  return files;
}
