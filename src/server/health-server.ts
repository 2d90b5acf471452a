/**
 * HTTP listener for probes and Prometheus (per process): `/health/live` answers while the
 * process runs, `/health/ready` only while the socket serves Mounts, `/metrics` the registry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { splitHostPort } from '../go-compat/listen-address.js';

export interface HealthServerOptions {
  /** `:8080`, `127.0.0.1:8080` or `[::1]:8080`; port 0 picks a free port. */
  readonly address: string;
  readonly isReady: () => boolean;
  readonly registry: Registry;
}

export class HealthServer {
  private server: Server | undefined;

  constructor(private readonly options: HealthServerOptions) {}

  async start(): Promise<AddressInfo> {
    const { host, port } = splitHostPort(this.options.address);
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/health/live') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/health/ready') {
        const ready = this.options.isReady();
        response
          .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
          .end(ready ? 'ready\n' : 'not serving\n');
      } else if (path === '/metrics') {
        this.options.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': this.options.registry.contentType }).end(text),
          () => response.writeHead(500).end(),
        );
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
