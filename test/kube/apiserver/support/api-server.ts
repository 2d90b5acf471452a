/**
 * A real kube-apiserver v1.35.0 on a real etcd v3.6.5, on loopback, for one test file: the
 * binaries come from `build.sh` (a cache outside the repository), the certificates and the
 * service-account signing key are generated per start. Tests get the server's URL and CA, an
 * admin client (a static token in group system:masters), a kubeconfig for kubectl and helm, and
 * an audit log of every request made by a service account (what the provider really called) and
 * of every TokenReview (with the server's answer when a service account asked).
 *
 * Without kube-controller-manager and kubelet: ServiceAccounts are created by hand, pods stay
 * Pending, and a pod bound to a node is only deleted with gracePeriodSeconds 0.
 */
import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { KubeClient } from '../../../../src/kube/in-cluster.js';
import { randomSerial } from '../../../support/vault-dev/ids.js';
import { buildCertificate } from '../../../support/vault-dev/x509.js';
import { freePort, startServerProcess, waitUntil, type ServerProcess } from './processes.js';

export const BUILD_SCRIPT = fileURLToPath(new URL('../build.sh', import.meta.url));
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The user of the admin token: in system:masters, so RBAC never applies to it. */
export const ADMIN_USER = 'kube-tier-admin';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The directory holding bin/etcd and bin/kube-apiserver, or why there is none. */
export function locateBinaries(): { dir: string } | { missing: string } {
  if (process.platform !== 'linux') return { missing: `Linux (this is ${process.platform})` };
  const check = spawnSync('bash', [BUILD_SCRIPT, '--check'], { encoding: 'utf8' });
  if (check.status === 0) return { dir: check.stdout.trim() };
  return { missing: check.stderr.trim() || `build.sh --check failed (${String(check.status)})` };
}

/**
 * `{ skip: reason }` for a `describe` of the tier when the binaries are missing outside CI, `{}`
 * when present. Under CI (`CI=true`) a missing binary throws: the tier must run there.
 */
export function kubeTierGate(): { skip?: string } {
  const found = locateBinaries();
  if ('dir' in found) return {};
  if (process.env.CI === 'true') throw new Error(`CI=true: the kube tier cannot run: ${found.missing}`);
  return { skip: `kube tier skipped: ${found.missing}` };
}

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly caPem: string;
  /** A kubeconfig for kubectl and helm, acting as the admin. */
  readonly kubeconfigPath: string;
  readonly admin: KubeClient;
  /** SPKI PEM of the service-account signing key (what a verifier of its tokens needs). */
  readonly serviceAccountPublicKeyPem: string;
  /** PKCS#8 PEM of that key: a test re-signs a minted token's claims with it (an expired token). */
  readonly serviceAccountSigningKeyPem: string;
  readonly dir: string;
  /**
   * Audit events of requests made by service accounts and of TokenReviews, oldest first: one
   * `ResponseComplete` event a request, or only `ResponseStarted` when authentication failed.
   */
  auditEvents(): Promise<AuditEvent[]>;
  /** Stops kube-apiserver and starts it again on the same port and etcd (a new watch cache). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The fields of an audit.k8s.io/v1 Event that the tier reads. */
export interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly requestURI: string;
  /** Empty for a request whose credentials the server did not accept. */
  readonly user: { readonly username?: string };
  readonly objectRef?: {
    readonly resource?: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly apiGroup?: string;
  };
  readonly responseStatus?: { readonly code?: number };
  /** The answer's body: recorded for TokenReviews only (the policy's RequestResponse rule). */
  readonly responseObject?: unknown;
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # A TokenReview's answer is the verdict under test (the identity chain). Its request holds the
  # reviewed token: this log lives in the server's temporary directory and dies with it.
  - level: RequestResponse
    userGroups: ["system:serviceaccounts"]
    resources: [{ group: authentication.k8s.io, resources: [tokenreviews] }]
  # A TokenReview whose bearer the server did not accept (401) has no user to match above.
  - level: Metadata
    resources: [{ group: authentication.k8s.io, resources: [tokenreviews] }]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
`;

const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

async function writeCertificates(dir: string): Promise<{ caPem: string; saPublicPem: string; saPrivatePem: string }> {
  const ec = () => generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const [caKeys, serverKeys, saKeys] = await Promise.all([
    ec(),
    ec(),
    generateKeyPairAsync('rsa', { modulusLength: 2048 }),
  ]);
  const notBeforeMs = Date.now() - 60_000;
  const notAfterMs = Date.now() + 86_400_000;
  const ca = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'kube-tier CA',
    notBeforeMs,
    notAfterMs,
    publicKey: caKeys.publicKey,
    isCa: true,
    signingKey: caKeys.privateKey,
  });
  const server = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'kube-apiserver',
    notBeforeMs,
    notAfterMs,
    publicKey: serverKeys.publicKey,
    isCa: false,
    dnsNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ipAddresses: ['127.0.0.1'],
    extKeyUsage: ['serverAuth'],
    issuer: { certificate: ca.x509, name: ca.name },
    signingKey: caKeys.privateKey,
  });
  const saPublicPem = saKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const saPrivatePem = keyPem(saKeys.privateKey);
  await Promise.all([
    writeFile(join(dir, 'ca.crt'), `${ca.pem}\n`),
    writeFile(join(dir, 'server.crt'), `${server.pem}\n`),
    writeFile(join(dir, 'server.key'), keyPem(serverKeys.privateKey), { mode: 0o600 }),
    writeFile(join(dir, 'sa.pub'), saPublicPem),
    writeFile(join(dir, 'sa.key'), saPrivatePem, { mode: 0o600 }),
  ]);
  return { caPem: `${ca.pem}\n`, saPublicPem, saPrivatePem };
}

function kubeconfig(url: string, caPem: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kube-tier',
        cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'kube-tier', context: { cluster: 'kube-tier', user: 'admin' } }],
    'current-context': 'kube-tier',
  });
}

async function startEtcd(bin: string, dir: string): Promise<{ process: ServerProcess; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const etcd = startServerProcess('etcd', join(bin, 'etcd'), [
      '--name=kube-tier',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=kube-tier=${peer}`,
      '--log-level=warn',
      // A throw-away store: durability is not under test, and fsync is slow on shared disks.
      '--unsafe-no-fsync',
    ]);
    try {
      await waitUntil('etcd /health', async () => (await fetch(`${url}/health`)).ok, {
        process: etcd,
        timeoutMs: 30_000,
      });
      return { process: etcd, url };
    } catch (error) {
      await etcd.stop();
      // Another process took a port between our probe and etcd's bind: try new ones.
      if (attempt < 3 && etcd.output.some((line) => line.includes('address already in use'))) continue;
      throw error;
    }
  }
}

export async function startKubeApiServer(): Promise<KubeApiServer> {
  const found = locateBinaries();
  if (!('dir' in found)) throw new Error(`kube tier: ${found.missing}`);
  const bin = join(found.dir, 'bin');
  const dir = await mkdtemp(join(tmpdir(), 'vcp-kube-tier-'));
  const adminToken = randomBytes(24).toString('hex');
  const { caPem, saPublicPem, saPrivatePem } = await writeCertificates(dir);
  await mkdir(join(dir, 'cert'));
  await writeFile(join(dir, 'tokens.csv'), `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, {
    mode: 0o600,
  });
  await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
  const auditLog = join(dir, 'audit.log');

  const etcd = await startEtcd(bin, dir).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const args = [
    `--etcd-servers=${etcd.url}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'cert')}`,
    `--tls-cert-file=${join(dir, 'server.crt')}`,
    `--tls-private-key-file=${join(dir, 'server.key')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--authorization-mode=Node,RBAC',
    '--service-cluster-ip-range=10.96.0.0/12',
    // No controller keeps the "kubernetes" Service's endpoints; a loopback address is invalid there.
    '--endpoint-reconciler-type=none',
    `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--profiling=false',
  ];
  const admin = new KubeClient({ baseUrl: url, namespace: 'default', token: adminToken, caPem });
  // /readyz answers plain text, which the JSON client refuses.
  const probeAgent = new Agent({ connect: { ca: caPem } });
  const isReady = async (): Promise<boolean> => {
    const response = await request(`${url}/readyz`, {
      dispatcher: probeAgent,
      headers: { authorization: `Bearer ${adminToken}` },
      headersTimeout: 2_000,
      bodyTimeout: 2_000,
    });
    return response.statusCode === 200 && (await response.body.text()) === 'ok';
  };
  let apiServer: ServerProcess | undefined;

  const startApiServer = async (): Promise<void> => {
    const started = startServerProcess('kube-apiserver', join(bin, 'kube-apiserver'), args);
    apiServer = started;
    await waitUntil('kube-apiserver /readyz', isReady, { process: started, timeoutMs: 90_000 });
  };

  const stopAll = async (): Promise<void> => {
    await admin.close();
    await probeAgent.close();
    await apiServer?.stop();
    await etcd.process.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await startApiServer();
  } catch (error) {
    await stopAll();
    throw error;
  }
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfig(url, caPem, adminToken), { mode: 0o600 });

  return {
    url,
    caPem,
    kubeconfigPath,
    admin,
    serviceAccountPublicKeyPem: saPublicPem,
    serviceAccountSigningKeyPem: saPrivatePem,
    dir,
    async auditEvents() {
      let text: string;
      try {
        text = await readFile(auditLog, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as AuditEvent);
    },
    async restart() {
      await apiServer?.stop();
      await startApiServer();
    },
    stop: stopAll,
  };
}
