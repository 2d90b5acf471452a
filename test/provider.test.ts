/**
 * Start-up and shutdown (src/provider.ts): a start that fails at a late step closes everything
 * that had started (the lease timer, the pod watch, the health listener), leaves the socket path
 * alone, and a provider that served mounts leaves no timer, listener or connection after stop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { loadCommand, type ProviderConfig } from '../src/config/provider-config.js';
import { startProvider } from '../src/provider.js';
import { clientFor } from './kube/kube-fixtures.js';
import { spcParameters, startHarness } from './support/harness.js';
import { startFakeKubeApi, type FakeKubeApi } from './support/kube-api/index.js';

const WATCHED = ['Timeout', 'TCPServerWrap', 'PipeServerWrap', 'TCPSocketWrap', 'PipeWrap'];

/** Open handles by kind (timers, listeners, sockets) of this test process. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(WATCHED.map((kind) => [kind, 0]));
  for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Waits (bounded) for the handles to come back to `baseline`: sockets close a moment after their peer. */
async function assertBackTo(baseline: Record<string, number>): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (JSON.stringify(handles()) === JSON.stringify(baseline)) return;
    await sleep(20);
  }
  assert.deepEqual(handles(), baseline, 'every timer, listener and connection that started was closed');
}

function serveConfig(args: string[]): ProviderConfig {
  const command = loadCommand(['-hmac-key-source=random', '-log-level=off', ...args], {});
  if (command.kind !== 'serve') throw new Error('expected a serve command');
  return command.config;
}

describe('startProvider: a failed start leaves nothing behind', () => {
  let fake: FakeKubeApi;
  let dir: string;

  before(async () => {
    fake = await startFakeKubeApi({ token: 'provider-sa-token-closers' });
    dir = await mkdtemp(join(tmpdir(), 'vcp-start-'));
  });
  after(async () => {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the health port is taken: the lease timer and the pod watch that had started are stopped', async () => {
    const baseline = handles();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const client = clientFor(fake);
    try {
      await assert.rejects(
        startProvider(
          serveConfig([
            `-endpoint=${join(dir, 'a.sock')}`,
            `-health-addr=127.0.0.1:${port}`,
            '-revoke-leases-of-deleted-pods',
            '-node-name=node-1',
          ]),
          { kubeClient: client, collectDefaultMetrics: false },
        ),
        /EADDRINUSE/,
      );
      await tick();
      assert.equal(fake.pods.activeWatches, 0, 'the pod watch was stopped');
    } finally {
      // The injected client is the caller's to close.
      await client.close();
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
    await assertBackTo(baseline);
  });

  test('the socket path is a regular file: the start fails, the file is kept, the health listener is closed', async () => {
    const path = join(dir, 'not-a-socket');
    await writeFile(path, 'keep me');
    const baseline = handles();
    await assert.rejects(
      startProvider(serveConfig([`-endpoint=${path}`, '-health-addr=127.0.0.1:0']), { collectDefaultMetrics: false }),
      /not a socket/,
    );
    assert.equal(await readFile(path, 'utf8'), 'keep me');
    await assertBackTo(baseline);
  });
});

describe('stop: a provider that served mounts leaves nothing running', () => {
  test('timers, listeners, Vault connections and the socket are all closed', async () => {
    const baseline = handles();
    const h = await startHarness();
    await h.mount(
      h.appPod(),
      spcParameters('- {objectName: password, secretPath: secret/data/app, secretKey: password}'),
    );
    await h.stop();
    await assertBackTo(baseline);
  });
});
