/**
 * The listener: node:http or node:https (optionally requiring a client certificate signed by our
 * CA), body reading with Vault's 32 MiB limit, fault injection, request statistics, and a stop
 * that closes every socket (including hung and mid-handshake ones). One per dev server.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VaultCore } from './core.js';
import { errorBody } from './envelope.js';
import type { FaultInjector } from './faults.js';
import { handleRequest, type Reply } from './router.js';

const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export interface RequestRecord {
  method: string;
  path: string;
  namespace?: string;
  /** 0 until answered; stays 0 for dropped or never-answered requests. */
  status: number;
}

export class RequestStats {
  requests: RequestRecord[] = [];
  inFlight = 0;
  peakInFlight = 0;
  logins = 0;
}

export interface ServerTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  readonly requireClientCert: boolean;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(size > MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

export async function startServer(options: {
  core: VaultCore;
  faults: FaultInjector;
  stats: RequestStats;
  port: number;
  tls: ServerTls | undefined;
}): Promise<RunningServer> {
  const { core, faults, stats } = options;
  const sockets = new Set<Socket>();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const urlPath = url.split('?')[0] ?? '/';
    const nsHeader = req.headers['x-vault-namespace'];
    const namespace = Array.isArray(nsHeader) ? nsHeader[0] : nsHeader;
    const record: RequestRecord = { method: req.method ?? 'GET', path: urlPath, status: 0 };
    if (namespace !== undefined) record.namespace = namespace.replace(/\/+$/, '');
    stats.requests.push(record);
    if (/^\/v1\/(.+\/)?auth\/.+\/login(\/|$)/.test(urlPath)) stats.logins += 1;
    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stats.inFlight -= 1;
    };
    res.on('finish', finish);
    res.on('close', finish);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    void (async () => {
      const action = faults.decide(urlPath);
      if (action.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action.kind === 'truncate') {
        // Chunked, so the client cannot know the body is cut short until the reset.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"request_id":"0b6f2c1e","data":{"pass', () => setTimeout(() => req.socket.destroy(), 5));
        return;
      }
      if (action.kind === 'reply') {
        send(res, action.reply);
        return;
      }
      if (action.kind === 'delay') await sleep(action.ms);
      if (action.kind === 'hang') await action.released;
      const body = await readBody(req);
      if (body === 'too-large') {
        send(res, {
          status: 413,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
          body: errorBody(['failed to parse JSON input: http: request body too large']),
        });
        return;
      }
      const reply = await handleRequest(core, {
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body,
        remoteAddress: req.socket.remoteAddress ?? '',
      });
      send(res, reply);
    })().catch((error: unknown) => {
      send(res, {
        status: 500,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        body: errorBody([error instanceof Error ? error.message : String(error)]),
      });
    });
  };

  const tls = options.tls;
  const server: Server =
    tls === undefined
      ? createHttpServer(onRequest)
      : createHttpsServer(
          {
            cert: tls.certPem,
            key: tls.keyPem,
            ca: tls.caPem,
            // Real Vault's listener asks for client certs by default (for cert auth) without requiring them.
            requestCert: true,
            rejectUnauthorized: tls.requireClientCert,
          },
          onRequest,
        );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client without a valid certificate fails the handshake; keep that out of the process's error output.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      faults.release();
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
