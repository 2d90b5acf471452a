/**
 * A TCP cable between the provider and the API server that a test can pull out: while it is out,
 * open connections are cut and new ones reset, so the provider sees the API server go away
 * while the test itself still reaches the server directly.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface Cable {
  /** https://127.0.0.1:PORT, the same TLS server behind it (its certificate names 127.0.0.1). */
  readonly url: string;
  unplug(): void;
  plug(): void;
  close(): Promise<void>;
}

export async function startCable(target: string): Promise<Cable> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let plugged = true;
  const server = createServer((client) => {
    if (!plugged) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${own}`,
    unplug() {
      plugged = false;
      for (const socket of open) socket.destroy();
    },
    plug() {
      plugged = true;
    },
    async close() {
      for (const socket of open) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
