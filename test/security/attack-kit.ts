/**
 * Small fixtures for the attack tests: an HTTP server that records everything sent to it (to
 * prove a pod's token never reached it) and helpers to read a gRPC failure. Lives per test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  readonly address: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Responder = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** By default answers every request like an unhelpful Vault (403, JSON errors). */
export async function startRecordingServer(respond?: Responder): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer =
        respond ??
        ((_request: RecordedRequest, response: ServerResponse) => {
          response.writeHead(403, { 'content-type': 'application/json' });
          response.end('{"errors":["permission denied"]}');
        });
      Promise.resolve(answer(recorded, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface GrpcFailure {
  readonly code?: number;
  readonly details?: string;
}

/** The failure of a mount promise (throws if it succeeded). */
export async function failureOf(promise: Promise<unknown>): Promise<GrpcFailure> {
  try {
    await promise;
  } catch (error) {
    return error as GrpcFailure;
  }
  throw new Error('the mount succeeded but the attack should have been refused');
}

export interface PrefixProxy extends RecordingServer {
  /** `http://127.0.0.1:<port>/vault`: Vault as a gateway serves it under a path. */
  readonly vaultAddress: string;
  /** Requests that arrived outside `/vault/` (answered 404, never forwarded). */
  outside(): RecordedRequest[];
  /** Where requests under `/vault/` go, with the prefix stripped (set once Vault runs). */
  upstream: string;
}

/**
 * A gateway that serves Vault under `/vault/` and nothing else, as an ingress or API gateway in
 * front of Vault does: the stripped request is forwarded to `upstream`; anything outside the
 * prefix is recorded and answered 404.
 */
export async function startPrefixProxy(upstream = ''): Promise<PrefixProxy> {
  const proxy: { upstream: string } = { upstream };
  const server = await startRecordingServer(async (request, response) => {
    if (!request.url.startsWith('/vault/')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"errors":["not served by this gateway"]}');
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length'),
    ) as Record<string, string>;
    const answer = await fetch(`${proxy.upstream}${request.url.slice('/vault'.length)}`, {
      method: request.method,
      headers,
      ...(request.body === '' ? {} : { body: request.body }),
    });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  return {
    address: server.address,
    port: server.port,
    requests: server.requests,
    close: () => server.close(),
    vaultAddress: `${server.address}/vault`,
    outside: () => server.requests.filter((request) => !request.url.startsWith('/vault/v1/')),
    get upstream() {
      return proxy.upstream;
    },
    set upstream(value: string) {
      proxy.upstream = value;
    },
  };
}
