/**
 * A real OpenBao server for the real-server tier, one per test file: `bao server -dev` (in
 * memory, unsealed, root token `root`) on a plain HTTP listener, plus, from a config file, three
 * TLS listeners (server certificate for 127.0.0.1; one requiring client certificates; one whose
 * certificate names only `SNI_SERVER_NAME`) and `unsafe_allow_api_audit_creation`, so a file
 * audit device counts logins, reads and issued credentials on the server's side.
 *
 *   const bao = await startOpenBao();
 *   await bao.root.write('sys/mounts/kv', { type: 'kv' });
 *   await bao.seal(); await bao.unseal();
 *   const logins = bao.audit.since(mark).filter(isLogin);
 *   await bao.stop();
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { AuditLog } from './audit-log.js';
import { openBaoBinary } from './binaries.js';
import { freePortPair, startProcess, waitUntil, type RunningProcess } from '../../support/child-process.js';
import { SNI_SERVER_NAME, writeTlsFiles, type TlsFiles } from './tls-files.js';
import { VaultApi } from './vault-api.js';

export const ROOT_TOKEN = 'root';

export interface OpenBaoListeners {
  /** `http://127.0.0.1:P` */
  readonly http: string;
  /** TLS, certificate for 127.0.0.1 and localhost, no client certificate asked. */
  readonly tls: string;
  /** TLS that requires a client certificate signed by the test CA. */
  readonly mtls: string;
  /** TLS whose certificate names only `sniServerName`: verification needs that SNI. */
  readonly sni: string;
  readonly sniServerName: string;
}

export interface OpenBao {
  readonly address: string;
  readonly listeners: OpenBaoListeners;
  readonly tls: TlsFiles;
  readonly rootToken: string;
  /** A client with the root token on the HTTP listener. */
  readonly root: VaultApi;
  /** The file audit device's log. */
  readonly audit: AuditLog;
  readonly process: RunningProcess;
  /** A root client over one of the TLS listeners (verifying with the test CA). */
  tlsClient(listener: 'tls' | 'mtls', options?: { clientCertificate?: boolean }): VaultApi;
  seal(): Promise<void>;
  unseal(): Promise<void>;
  /** Creates a namespace; for a nested path (`team/app`) the parent must exist. */
  createNamespace(path: string): Promise<void>;
  stop(): Promise<void>;
}

export interface OpenBaoOptions {
  /** Extra HCL appended to the config file. */
  readonly extraConfig?: string;
}

function listenerBlock(port: number, certPath: string, keyPath: string, clientCaPath?: string): string {
  return [
    'listener "tcp" {',
    `  address = "127.0.0.1:${port}"`,
    `  tls_cert_file = ${JSON.stringify(certPath)}`,
    `  tls_key_file = ${JSON.stringify(keyPath)}`,
    ...(clientCaPath === undefined
      ? []
      : ['  tls_require_and_verify_client_cert = true', `  tls_client_ca_file = ${JSON.stringify(clientCaPath)}`]),
    '}',
  ].join('\n');
}

async function launch(dir: string, tls: TlsFiles, extraConfig: string) {
  const [httpPort, tlsPort, mtlsPort, sniPort] = [
    await freePortPair(),
    await freePortPair(),
    await freePortPair(),
    await freePortPair(),
  ] as [number, number, number, number];
  const configPath = join(dir, 'openbao.hcl');
  await writeFile(
    configPath,
    [
      // Only a config file may allow `sys/audit` writes over the API (the file audit device).
      'unsafe_allow_api_audit_creation = true',
      listenerBlock(tlsPort, tls.serverCertPath, tls.serverKeyPath),
      listenerBlock(mtlsPort, tls.serverCertPath, tls.serverKeyPath, tls.caCertPath),
      listenerBlock(sniPort, tls.sniCertPath, tls.sniKeyPath),
      extraConfig,
    ].join('\n'),
  );
  const process = startProcess(
    'OpenBao',
    openBaoBinary(),
    [
      'server',
      '-dev',
      `-dev-root-token-id=${ROOT_TOKEN}`,
      `-dev-listen-address=127.0.0.1:${httpPort}`,
      // Without it, dev mode writes the root token into ~/.bao-token.
      '-dev-no-store-token',
      `-config=${configPath}`,
    ],
    { cwd: dir, env: { PATH: globalThis.process.env.PATH ?? '/usr/bin:/bin', HOME: dir } },
  );
  const listeners: OpenBaoListeners = {
    http: `http://127.0.0.1:${httpPort}`,
    tls: `https://127.0.0.1:${tlsPort}`,
    mtls: `https://127.0.0.1:${mtlsPort}`,
    sni: `https://127.0.0.1:${sniPort}`,
    sniServerName: SNI_SERVER_NAME,
  };
  return { process, listeners };
}

export async function startOpenBao(options: OpenBaoOptions = {}): Promise<OpenBao> {
  const dir = await mkdtemp(join(tmpdir(), 'vcp-openbao-'));
  const tls = await writeTlsFiles(join(dir, 'tls'));
  let started: Awaited<ReturnType<typeof launch>> | undefined;
  // A port picked free may be taken before OpenBao binds it: try again with new ones.
  for (let attempt = 1; started === undefined; attempt++) {
    const candidate = await launch(dir, tls, options.extraConfig ?? '');
    try {
      // The unseal key follows the API's start by a moment; both mean the server is usable.
      await candidate.process.waitForLine(/^Unseal Key: /, 30_000);
      started = candidate;
    } catch (error) {
      await candidate.process.stop();
      const portTaken = candidate.process.output.some((line) => line.includes('address already in use'));
      if (!portTaken || attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const { process, listeners } = started;
  const unsealKey = (await process.waitForLine(/^Unseal Key: (\S+)/))[1]!;
  const root = new VaultApi(listeners.http, ROOT_TOKEN);
  await waitUntil('OpenBao to answer sys/health', async () =>
    (await root.call('GET', 'sys/health')).status === 200 ? true : undefined,
  );
  const auditPath = join(dir, 'audit.log');
  await root.write('sys/audit/file', { type: 'file', options: { file_path: auditPath } });
  const agents: Agent[] = [];

  const bao: OpenBao = {
    address: listeners.http,
    listeners,
    tls,
    rootToken: ROOT_TOKEN,
    root,
    audit: new AuditLog(auditPath),
    process,
    tlsClient(listener, clientOptions = {}) {
      const withCertificate = clientOptions.clientCertificate ?? listener === 'mtls';
      const agent = new Agent({
        connect: {
          ca: tls.caCertPem,
          ...(withCertificate ? { cert: readPem(tls.clientCertPath), key: readPem(tls.clientKeyPath) } : {}),
        },
      });
      agents.push(agent);
      return new VaultApi(listeners[listener], ROOT_TOKEN, agent);
    },
    async seal() {
      await root.write('sys/seal');
    },
    async unseal() {
      const answer = await root.call('PUT', 'sys/unseal', { body: { key: unsealKey }, token: null });
      if (answer.status !== 200 || answer.json?.sealed !== false) {
        throw new Error(`unseal: ${answer.status} ${answer.text}`);
      }
    },
    async createNamespace(path) {
      const parts = path.split('/').filter((part) => part !== '');
      const parent = parts.slice(0, -1).join('/');
      await root.write(`sys/namespaces/${parts.at(-1) ?? ''}`, {}, parent === '' ? undefined : parent);
    },
    async stop() {
      await Promise.all(agents.map((agent) => agent.close()));
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return bao;
}

// The test's own PEM files, read synchronously once per client.
function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
