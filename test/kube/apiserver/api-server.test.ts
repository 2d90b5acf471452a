/**
 * The kube tier's own harness: the pinned versions really run, kubectl and helm reach the server
 * through the generated kubeconfig, and a restart keeps the data but not the watch history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as z from 'zod';
import { kubeTierGate, startKubeApiServer, type KubeApiServer } from './support/api-server.js';
import { createAppNamespace, createPod, kubectlAs } from './support/cluster.js';

describe('kube tier: kube-apiserver v1.35.0 on etcd v3.6.5', kubeTierGate(), () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startKubeApiServer();
  });
  after(async () => {
    await server.stop();
  });

  test('the server is the pinned release, ready, and kubectl reaches it as the admin', async () => {
    const { body } = await server.admin.request('GET', '/version');
    assert.equal(z.object({ gitVersion: z.string() }).parse(body).gitVersion, 'v1.35.0');
    const canI = await kubectlAs(server, ['auth', 'can-i', '*', '*']);
    assert.equal(canI.stdout.trim(), 'yes', canI.stderr);
  });

  test('a restart keeps the objects and starts a new watch history (410 for an old resourceVersion)', async () => {
    await createAppNamespace(server.admin, 'restart');
    const pod = await createPod(server.admin, { namespace: 'restart', serviceAccountName: 'default', nodeName: 'n1' });
    await server.restart();
    const { body } = await server.admin.request('GET', `/api/v1/namespaces/restart/pods/${pod.name}`);
    assert.equal(z.object({ metadata: z.object({ uid: z.string() }) }).parse(body).metadata.uid, pod.uid);
    const lines = await server.admin.streamLines('/api/v1/pods', {
      query: { watch: 'true', resourceVersion: pod.resourceVersion, timeoutSeconds: 5 },
      idleTimeoutMs: 10_000,
    });
    const events: string[] = [];
    for await (const line of lines) events.push(line);
    const first = z.object({ type: z.string(), object: z.object({ code: z.number() }) }).parse(JSON.parse(events[0]!));
    assert.deepEqual([first.type, first.object.code], ['ERROR', 410]);
  });
});
