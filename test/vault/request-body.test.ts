import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseObjects } from '../../src/mount/parse/objects.js';
import { VaultHttp } from '../../src/vault/vault-http.js';
import { VaultTransport } from '../../src/vault/transport.js';

describe('request bodies on the wire: secretArgs as the Go provider sends them', () => {
  let server: Server;
  let address: string;
  const bodies: string[] = [];
  const transport = new VaultTransport();
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"k":"v"}}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await transport.close();
    server.close();
  });

  test('64-bit integers, -0.0 and timestamps reach Vault exactly as Go encodes them', async () => {
    const [object] = parseObjects(
      '- {objectName: f, secretPath: kv/app, method: PUT, secretArgs: {big: 9007199254740993, z: -0.0, d: 2024-01-02, s: "<x>"}}',
    ).objects;
    const http = new VaultHttp(transport, { maxResponseBytes: 1 << 20, requestTimeoutMs: 5_000 });
    const answer = await http.send(
      { address, tls: { skipVerify: false } },
      {
        operation: 'read',
        method: 'PUT',
        path: '/v1/kv/app',
        body: object?.secretArgs,
        token: 't',
        signal: AbortSignal.timeout(5_000),
        subject: 'object "f"',
      },
    );
    assert.equal(answer.status, 200);
    // What hashicorp/vault-csi-provider v1.7.4 sent for the same secretArgs (Go sorts keys and escapes <>).
    assert.equal(bodies.at(-1), '{"big":9007199254740993,"d":"2024-01-02T00:00:00Z","s":"\\u003cx\\u003e","z":-0}');
  });
});
