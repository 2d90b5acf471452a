import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { KubeClient } from '../../src/kube/in-cluster.js';
import { KubeApiError } from '../../src/kube/kube-api-error.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { TOKEN } from './kube-fixtures.js';

const ROTATED = 'provider-sa-token-rotated-1a2b3c4d';

function isKubeError(code: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof KubeApiError, `expected KubeApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(!error.message.includes(TOKEN) && !error.message.includes(ROTATED), 'token in error message');
    return true;
  };
}

describe('KubeClient', () => {
  let fake: FakeKubeApi;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeKubeApi({ token: TOKEN, tls: true });
    dir = await mkdtemp(join(tmpdir(), 'kube-sa-'));
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    await writeFile(join(dir, 'ca.crt'), fake.caPem!);
    await writeFile(join(dir, 'namespace'), 'csi');
    const url = new URL(fake.baseUrl);
    env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
  });
  after(async () => {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('inCluster reads token, CA and namespace from the service-account dir and the env', async () => {
    const client = await KubeClient.inCluster({ serviceAccountDir: dir, env });
    try {
      assert.equal(client.baseUrl, fake.baseUrl);
      assert.equal(client.namespace, 'csi');
      fake.secrets.put('csi', { name: 'probe', data: { a: Buffer.from('b') } });
      const response = await client.request('GET', '/api/v1/namespaces/csi/secrets/probe');
      assert.equal(response.status, 200);
      assert.equal((response.body as { data: { a: string } }).data.a, Buffer.from('b').toString('base64'));
      await assert.rejects(client.request('GET', '/api/v1/namespaces/csi/secrets/missing'), (error: unknown) => {
        isKubeError('ERR_KUBE_NOT_FOUND')(error);
        assert.equal((error as KubeApiError).status, 404);
        assert.equal((error as KubeApiError).reason, 'NotFound');
        assert.match(
          (error as KubeApiError).message,
          /GET \/api\/v1\/namespaces\/csi\/secrets\/missing: HTTP 404 NotFound: secrets "missing" not found/,
        );
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('an IPv6 service host is bracketed in the URL', async () => {
    const client = await KubeClient.inCluster({
      serviceAccountDir: dir,
      env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '6443' },
    });
    assert.equal(client.baseUrl, 'https://[fd00:10:96::1]:6443');
    await client.close();
  });

  test('missing env or files → ERR_KUBE_CONFIG naming what is missing', async () => {
    await assert.rejects(KubeClient.inCluster({ serviceAccountDir: dir, env: {} }), (error: unknown) => {
      isKubeError('ERR_KUBE_CONFIG')(error);
      assert.match((error as Error).message, /KUBERNETES_SERVICE_HOST/);
      return true;
    });
    await assert.rejects(
      KubeClient.inCluster({ serviceAccountDir: dir, env: { ...env, KUBERNETES_SERVICE_PORT: 'https' } }),
      isKubeError('ERR_KUBE_CONFIG'),
    );
    await assert.rejects(KubeClient.inCluster({ serviceAccountDir: join(dir, 'nope'), env }), (error: unknown) => {
      isKubeError('ERR_KUBE_CONFIG')(error);
      assert.match((error as Error).message, /ca\.crt.*ENOENT/);
      return true;
    });
  });

  test('re-reads the rotated token file once the cached copy is older than tokenMaxAgeMs', async () => {
    const tokenDir = await mkdtemp(join(tmpdir(), 'kube-sa-rot-'));
    const tokenFile = join(tokenDir, 'token');
    await writeFile(tokenFile, TOKEN);
    const client = new KubeClient({
      baseUrl: fake.baseUrl,
      caPem: fake.caPem!,
      namespace: 'csi',
      tokenFile,
      tokenMaxAgeMs: 100,
    });
    try {
      fake.secrets.put('csi', { name: 'probe', data: { a: Buffer.from('b') } });
      await client.request('GET', '/api/v1/namespaces/csi/secrets/probe');
      // Kubelet rotates: new file content; the API server accepts only the new token.
      await writeFile(tokenFile, ROTATED);
      fake.setToken(ROTATED);
      await sleep(150);
      const response = await client.request('GET', '/api/v1/namespaces/csi/secrets/probe');
      assert.equal(response.status, 200);
    } finally {
      fake.setToken(TOKEN);
      await client.close();
      await rm(tokenDir, { recursive: true, force: true });
    }
  });

  test('a 401 is ERR_KUBE_UNAUTHORIZED without the token in the message, and forces a re-read', async () => {
    const tokenDir = await mkdtemp(join(tmpdir(), 'kube-sa-401-'));
    const tokenFile = join(tokenDir, 'token');
    await writeFile(tokenFile, TOKEN);
    const client = new KubeClient({ baseUrl: fake.baseUrl, caPem: fake.caPem!, namespace: 'csi', tokenFile });
    try {
      await assert.rejects(
        client.request('GET', '/api/v1/namespaces/csi/secrets/x'),
        isKubeError('ERR_KUBE_NOT_FOUND'),
      );
      await writeFile(tokenFile, ROTATED);
      fake.setToken(ROTATED);
      await assert.rejects(client.request('GET', '/api/v1/namespaces/csi/secrets/x'), (error: unknown) => {
        isKubeError('ERR_KUBE_UNAUTHORIZED')(error);
        assert.equal((error as KubeApiError).reason, 'Unauthorized');
        return true;
      });
      // The default max age is a minute, yet the 401 made the client read the file again.
      await assert.rejects(
        client.request('GET', '/api/v1/namespaces/csi/secrets/x'),
        isKubeError('ERR_KUBE_NOT_FOUND'),
      );
    } finally {
      fake.setToken(TOKEN);
      await client.close();
      await rm(tokenDir, { recursive: true, force: true });
    }
  });

  test('TLS: an unknown CA is ERR_KUBE_UNAVAILABLE; skipVerify accepts it', async () => {
    const strict = new KubeClient({ baseUrl: fake.baseUrl, namespace: 'csi', token: TOKEN });
    await assert.rejects(strict.request('GET', '/api/v1/namespaces/csi/secrets/x'), (error: unknown) => {
      isKubeError('ERR_KUBE_UNAVAILABLE')(error);
      assert.match(
        (error as Error).message,
        /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ \([A-Z_]+\)/,
      );
      return true;
    });
    await strict.close();
    const lax = new KubeClient({ baseUrl: fake.baseUrl, namespace: 'csi', token: TOKEN, skipVerify: true });
    await assert.rejects(lax.request('GET', '/api/v1/namespaces/csi/secrets/x'), isKubeError('ERR_KUBE_NOT_FOUND'));
    await lax.close();
  });

  describe('against a server that never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    before(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const client = (): KubeClient => {
      const { port } = silent.address() as { port: number };
      return new KubeClient({
        baseUrl: `http://127.0.0.1:${port}`,
        namespace: 'csi',
        token: TOKEN,
        requestTimeoutMs: 150,
      });
    };

    test('times out with ERR_KUBE_TIMEOUT', async () => {
      const c = client();
      await assert.rejects(c.request('GET', '/api/v1/namespaces/csi/secrets/x'), isKubeError('ERR_KUBE_TIMEOUT'));
      await c.close();
    });

    test("the caller's abort is ERR_KUBE_ABORTED", async () => {
      const c = client();
      await assert.rejects(
        c.request('GET', '/api/v1/namespaces/csi/secrets/x', { signal: AbortSignal.timeout(30), timeoutMs: 5_000 }),
        isKubeError('ERR_KUBE_ABORTED'),
      );
      await c.close();
    });
  });

  test('connection refused → ERR_KUBE_UNAVAILABLE', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = new KubeClient({ baseUrl: `http://127.0.0.1:${port}`, namespace: 'csi', token: TOKEN });
    await assert.rejects(c.request('GET', '/api/v1/pods'), (error: unknown) => {
      isKubeError('ERR_KUBE_UNAVAILABLE')(error);
      assert.match((error as Error).message, /ECONNREFUSED/);
      return true;
    });
    await c.close();
  });

  test('constructor options are validated with messages naming the option', () => {
    assert.throws(() => new KubeClient({ baseUrl: 'not a url', namespace: 'csi', token: TOKEN }), /option baseUrl/);
    assert.throws(
      () => new KubeClient({ baseUrl: 'https://x', namespace: 'csi' }),
      /exactly one of token and tokenFile/,
    );
    assert.throws(() => new KubeClient({ baseUrl: 'https://x', namespace: '', token: TOKEN }), /option namespace/);
    assert.throws(
      () => new KubeClient({ baseUrl: 'https://x', namespace: 'csi', token: TOKEN, requestTimeoutMs: 0 }),
      /option requestTimeoutMs must be a positive number/,
    );
  });
});
