import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, errors, request } from '../../src/http/undici.js';

interface Seen {
  readonly method?: string;
  readonly url?: string;
  readonly header?: string;
  readonly body: string;
}

describe('the parts of undici the provider loads one by one', () => {
  let server: Server;
  let base: URL;
  const seen: Seen[] = [];
  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const header = req.headers['x-test'];
        seen.push({
          ...(req.method === undefined ? {} : { method: req.method }),
          ...(req.url === undefined ? {} : { url: req.url }),
          ...(typeof header === 'string' ? { header } : {}),
          body,
        });
        if (req.url?.startsWith('/slow') === true) return; // never answers
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('request sends the method, path, query, headers and body through the agent', async () => {
    const agent = new Agent({ connections: 2 });
    try {
      const url = new URL('/v1/secret/data/app?version=2', base);
      const response = await request(agent, url, { method: 'POST', headers: { 'x-test': 'yes' }, body: '{"a":1}' });
      assert.equal(response.statusCode, 201);
      assert.deepEqual(await response.body.json(), { ok: true });
      assert.deepEqual(seen.at(-1), {
        method: 'POST',
        url: '/v1/secret/data/app?version=2',
        header: 'yes',
        body: '{"a":1}',
      });
    } finally {
      await agent.close();
    }
  });

  test('a timed-out request rejects with undici’s own error class', async () => {
    const agent = new Agent();
    try {
      const timedOut = request(agent, new URL('/slow', base), { method: 'GET', headersTimeout: 50 });
      await assert.rejects(timedOut, (error: unknown) => error instanceof errors.HeadersTimeoutError);
    } finally {
      await agent.destroy();
    }
  });

  test('loading it loads neither undici’s package entry nor Node’s bundled copy of undici', async () => {
    // The package entry reads the `Headers` and `File` globals, which load Node's own undici.
    const script =
      "await import('./src/http/undici.ts'); console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('deps/undici'))))";
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    assert.deepEqual(JSON.parse(stdout), []);
    const control = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script.replace('./src/http/undici.ts', 'undici')],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    assert.notDeepEqual(
      JSON.parse(control.stdout),
      [],
      'the package entry does load it (else this test proves nothing)',
    );
  });
});
