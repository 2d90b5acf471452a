import assert from 'node:assert/strict';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';

const OBJECTS = `- {objectName: username, secretPath: secret/data/app, secretKey: username}`;

describe('Vault connection settings from the SPC', () => {
  test('vaultNamespace sends X-Vault-Namespace on login and reads', async () => {
    const h = await startHarness();
    try {
      h.vault.createNamespace('team-a');
      // Configure the namespace like a tenant admin would: its own auth, policy, role and data.
      const ns = h.vault.namespace('team-a');
      ns.enableKubernetesAuth('kubernetes', { publicKeysPem: [h.issuer.publicKeyPem], issuer: h.issuer.issuer });
      ns.writePolicy('read', [{ path: 'secret/data/app', capabilities: ['read'] }]);
      ns.writeKubernetesRole('kubernetes', 'app', {
        boundServiceAccountNames: ['app'],
        boundServiceAccountNamespaces: ['default'],
        audience: 'vault',
        policies: ['read'],
      });
      ns.writeKv('secret', 'app', { username: 'tenant-user' });
      h.vault.stats.reset();
      const outcome = await h.mount(h.appPod(), spcParameters(OBJECTS, { vaultNamespace: 'team-a' }));
      assert.equal(outcome.files[0]!.contents.toString(), 'tenant-user');
      assert.ok(h.vault.stats.requests.length >= 2);
      for (const request of h.vault.stats.requests) assert.equal(request.namespace?.replace(/\/$/, ''), 'team-a');
      // Without the parameter the root namespace answers, with its own data.
      const root = await h.mount(h.appPod(), spcParameters(OBJECTS));
      assert.equal(root.files[0]!.contents.toString(), 'app-user');
    } finally {
      await h.stop();
    }
  });

  test('vaultAddress in the SPC overrides the flag; unix:// reaches a local agent socket', async () => {
    const h = await startHarness({ providerArgs: ['-vault-addr=http://127.0.0.1:1'] });
    let proxy: Server | undefined;
    try {
      const direct = await h.mount(h.appPod(), spcParameters(OBJECTS, { vaultAddress: h.vault.address }));
      assert.equal(direct.files[0]!.contents.toString(), 'app-user');

      // A Unix-socket forwarder in front of the dev Vault plays the Vault Agent's listener.
      const socketPath = join(h.dir, 'agent.sock');
      const { port } = new URL(h.vault.address);
      proxy = createServer((client) => {
        const upstream = createConnection(Number(port), '127.0.0.1');
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(socketPath, resolve));
      const viaAgent = await h.mount(h.appPod(), spcParameters(OBJECTS, { vaultAddress: `unix://${socketPath}` }));
      assert.equal(viaAgent.files[0]!.contents.toString(), 'app-user');

      await assert.rejects(h.mount(h.appPod(), spcParameters(OBJECTS)), { code: status.UNAVAILABLE });
    } finally {
      proxy?.close();
      await h.stop();
    }
  });
});
