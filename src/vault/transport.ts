/**
 * Pooled keep-alive HTTP(S) agents toward Vault, one per distinct connection (address + TLS
 * settings), shared by every pod that uses that connection (connections carry no identity:
 * each request carries its pod's own token). Lives for the process; bounded by LRU.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { Agent } from '../http/undici.js';
import { InvalidParameterError } from '../errors.js';
import { vaultBase, type VaultBase } from './request-url.js';
import type { TlsSettings, VaultConnection } from './vault-connection.js';

export interface VaultEndpoint {
  /** The undici dispatcher for this connection. */
  readonly agent: Agent;
  /** Origin and path prefix of request URLs (`http://localhost`, no prefix, for unix sockets). */
  readonly base: VaultBase;
}

export interface TransportOptions {
  readonly maxAgents?: number;
  readonly connectTimeoutMs?: number;
  /** Called once per new agent created with verification off, so the operator sees it loudly. */
  readonly onInsecureAgent?: (address: string) => void;
}

const CA_FILE_PATTERN = /\.(pem|crt|cer)$/i;

export class VaultTransport {
  private readonly endpoints: LRUCache<string, Promise<VaultEndpoint>>;

  constructor(private readonly options: TransportOptions = {}) {
    this.endpoints = new LRUCache<string, Promise<VaultEndpoint>>({
      max: options.maxAgents ?? 64,
      // The least recently used agent beyond the bound is closed (its pooled connections with it).
      dispose: (endpoint, _key, reason) => {
        if (reason === 'evict') endpoint.then((evicted) => evicted.agent.close()).catch(() => undefined);
      },
    });
  }

  endpointFor(connection: VaultConnection): Promise<VaultEndpoint> {
    const key = JSON.stringify([connection.address, connection.tls]);
    const existing = this.endpoints.get(key);
    if (existing !== undefined) return existing;
    const created = this.createEndpoint(connection);
    this.endpoints.set(key, created);
    // A failed creation (unreadable CA file) must not stay cached: the file may appear later.
    created.catch(() => {
      if (this.endpoints.peek(key) === created) this.endpoints.delete(key);
    });
    return created;
  }

  async close(): Promise<void> {
    const endpoints = [...this.endpoints.values()];
    this.endpoints.clear();
    await Promise.allSettled(endpoints.map(async (endpoint) => (await endpoint).agent.close()));
  }

  private async createEndpoint(connection: VaultConnection): Promise<VaultEndpoint> {
    const connectTimeout = this.options.connectTimeoutMs ?? 10_000;
    const common = { keepAliveTimeout: 30_000, connections: 64, pipelining: 1 } as const;
    if (connection.address.startsWith('unix://')) {
      const socketPath = connection.address.slice('unix://'.length);
      return {
        agent: new Agent({ ...common, connect: { socketPath, timeout: connectTimeout } }),
        base: { origin: 'http://localhost', pathPrefix: '' },
      };
    }
    const url = new URL(connection.address);
    const base = vaultBase(connection.address);
    if (url.protocol === 'http:') {
      return { agent: new Agent({ ...common, connect: { timeout: connectTimeout } }), base };
    }
    const tls = await loadTlsMaterial(connection.tls);
    if (connection.tls.skipVerify) this.options.onInsecureAgent?.(url.origin);
    const agent = new Agent({
      ...common,
      connect: {
        timeout: connectTimeout,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: !connection.tls.skipVerify,
        ...(connection.tls.serverName === undefined ? {} : { servername: connection.tls.serverName }),
        ...tls,
      },
    });
    return { agent, base };
  }
}

export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
}

/** How errors name each file's setting: SPC parameters at a Mount, flags at start. */
export interface TlsFileNames {
  readonly caCert: string;
  readonly caDirectory: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Said after "cannot read": where the path is looked up. */
  readonly where: string;
}

export const SPC_TLS_FILE_NAMES: TlsFileNames = {
  caCert: 'parameter "vaultCACertPath"',
  caDirectory: 'parameter "vaultCADirectory"',
  clientCert: 'parameter "vaultTLSClientCertPath"',
  clientKey: 'parameter "vaultTLSClientKeyPath"',
  where: '; the path is read inside the provider pod, not the application pod',
};

/**
 * Reads CA and client certificate files. A CA file wins over a CA directory, as with the Go
 * provider. Errors name the setting and the path but never echo file contents.
 */
export async function loadTlsMaterial(
  tls: TlsSettings,
  names: TlsFileNames = SPC_TLS_FILE_NAMES,
): Promise<TlsMaterial> {
  const material: TlsMaterial = {};
  if (tls.caCertPath !== undefined) {
    material.ca = [await readPem(tls.caCertPath, names.caCert, names.where)];
  } else if (tls.caDirectory !== undefined) {
    material.ca = await readCaDirectory(tls.caDirectory, names);
  }
  if (tls.clientCertPath !== undefined && tls.clientKeyPath !== undefined) {
    material.cert = await readPem(tls.clientCertPath, names.clientCert, names.where);
    material.key = await readPem(tls.clientKeyPath, names.clientKey, names.where);
  }
  return material;
}

async function readPem(path: string, name: string, where: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidParameterError(
      `${name}: cannot read "${path}" on the provider's node (${describeFsError(error)})${where}`,
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw new InvalidParameterError(`${name}: "${path}" does not contain PEM data`);
  }
  return text;
}

async function readCaDirectory(directory: string, names: TlsFileNames): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw new InvalidParameterError(
      `${names.caDirectory}: cannot read directory "${directory}" (${describeFsError(error)})`,
    );
  }
  const files = entries.filter((name) => CA_FILE_PATTERN.test(name)).sort();
  if (files.length === 0) {
    throw new InvalidParameterError(`${names.caDirectory}: no .pem, .crt or .cer files in "${directory}"`);
  }
  return Promise.all(files.map((name) => readPem(join(directory, name), names.caDirectory, names.where)));
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? 'unreadable';
}
