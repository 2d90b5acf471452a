/**
 * The provider's own calls to a real API server, as the chart's ServiceAccount with the chart's
 * RBAC: the HMAC key Secret (created once under a create race, shared by every provider, read
 * back after a restart), the TokenRequest fallback minting a pod-bound token that Vault accepts,
 * and a start that stops when a switched-on feature's permission is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as z from 'zod';
import { loadCommand } from '../../../src/config/provider-config.js';
import { MIN_HMAC_KEY_BYTES } from '../../../src/config/hmac-key.js';
import { loadOrCreateHmacKey } from '../../../src/kube/hmac-key-secret.js';
import type { KubeClient } from '../../../src/kube/in-cluster.js';
import { startProvider } from '../../../src/provider.js';
import { DriverEmulator } from '../../support/driver/index.js';
import { SAMPLE, seedVault, spcParameters, startHarness, type Harness } from '../../support/harness.js';
import { capturedLogger } from '../kube-fixtures.js';
import { kubeTierGate, startKubeApiServer, type KubeApiServer } from './support/api-server.js';
import { chartIdentity, type ChartIdentity } from './support/chart-identity.js';
import { apiServerTokenIssuer, createPod, createServiceAccount, deletePod } from './support/cluster.js';

const NODE = 'node-calls';
const SECRET = 'vault-csi-provider-hmac-key';
const PASSWORD = spcParameters(`
- objectName: password
  secretPath: secret/data/app
  secretKey: password
`);

const SecretSchema = z.object({ immutable: z.boolean(), data: z.object({ key: z.string() }) });

describe('kube tier: the provider’s own API calls as the chart’s ServiceAccount', kubeTierGate(), () => {
  let server: KubeApiServer;
  let identity: ChartIdentity;
  const clients: KubeClient[] = [];
  const harnesses: Harness[] = [];

  const client = (from: ChartIdentity = identity): KubeClient => {
    const made = from.client();
    clients.push(made);
    return made;
  };
  const appPod = () => createPod(server.admin, { namespace: 'default', serviceAccountName: 'app', nodeName: NODE });

  /** A provider with a dev Vault that trusts this API server's tokens, and a driver whose tokens it mints. */
  async function provider(args: readonly string[], kubeClient: KubeClient, tokenAudiences?: string[]) {
    const harness = await startHarness({ seed: false, kubeClient, providerArgs: args });
    harnesses.push(harness);
    const issuer = apiServerTokenIssuer(server);
    seedVault(harness.vault, issuer);
    const driver = new DriverEmulator({
      socketPath: harness.provider.socketPath,
      issuer,
      ...(tokenAudiences === undefined ? {} : { tokenAudiences }),
    });
    const mount = (pod: Awaited<ReturnType<typeof appPod>>) =>
      driver.mount(pod, { spc: harness.spc(PASSWORD) }, harness.target());
    return { harness, driver, mount };
  }

  const ownCalls = async (verb: string, resource: string) =>
    (await server.auditEvents()).filter(
      (event) =>
        event.user.username === identity.username &&
        event.stage === 'ResponseComplete' &&
        event.verb === verb &&
        event.objectRef?.resource === resource,
    );

  before(async () => {
    server = await startKubeApiServer();
    identity = await chartIdentity(server, { namespace: 'csi', set: ['tokenRequestFallback.enabled=true'] });
    await createServiceAccount(server.admin, 'default', 'app');
  });
  after(async () => {
    for (const harness of harnesses) await harness.stop();
    for (const made of clients) await made.close();
    await server.stop();
  });

  test('the HMAC key Secret is created once when four providers race, and all load its key', async () => {
    const { logger } = capturedLogger();
    const keys = await Promise.all(
      [1, 2, 3, 4].map(() =>
        loadOrCreateHmacKey(client(), {
          namespace: 'csi',
          secretName: SECRET,
          logger,
          minKeyBytes: MIN_HMAC_KEY_BYTES,
        }),
      ),
    );
    for (const key of keys) assert.ok(key.equals(keys[0]!), 'every provider has the same key');
    const creates = await ownCalls('create', 'secrets');
    assert.deepEqual(
      creates.map((event) => event.responseStatus?.code).sort(),
      [201, 409, 409, 409],
      'one create won, three lost the race and read the winner’s Secret',
    );
    const { body } = await server.admin.request('GET', `/api/v1/namespaces/csi/secrets/${SECRET}`);
    const secret = SecretSchema.parse(body);
    assert.equal(secret.immutable, true);
    assert.ok(Buffer.from(secret.data.key, 'base64').equals(keys[0]!));
    assert.equal(keys[0]!.length, 32);
  });

  test('providers started one after the other serve the same object versions from that Secret', async () => {
    const pod = await appPod();
    const args = ['-hmac-key-source=kubernetes-secret'];
    const first = await provider(args, client());
    const firstMount = await first.mount(pod);
    // A restart: a new process with a new client reads the key back and creates nothing.
    const createsBefore = (await ownCalls('create', 'secrets')).length;
    const second = await provider(args, client());
    const secondMount = await second.mount(pod);
    assert.equal((await ownCalls('create', 'secrets')).length, createsBefore);
    assert.deepEqual(secondMount.objectVersions, firstMount.objectVersions);
    // A per-process key gives other versions for the same content: the equality above is the key's.
    const random = await provider(['-hmac-key-source=random'], client());
    assert.notDeepEqual((await random.mount(pod)).objectVersions, firstMount.objectVersions);
    for (const started of [first, second, random]) started.driver.close();
  });

  test('the TokenRequest fallback mints a token bound to the real pod, and Vault logs in with it', async () => {
    const pod = await appPod();
    const fallback = await provider(['-token-request-fallback', '-hmac-key-source=random'], client(), []);
    const outcome = await fallback.mount(pod);
    const password = outcome.files.find((file) => file.path === 'password');
    assert.equal(password?.contents.toString(), SAMPLE.kv2.data.password);
    const minted = (await ownCalls('create', 'serviceaccounts')).filter(
      (event) => event.objectRef?.subresource === 'token' && event.objectRef.namespace === 'default',
    );
    assert.deepEqual(
      minted.map((event) => [event.objectRef?.name, event.responseStatus?.code]),
      [['app', 201]],
    );
    // A deleted pod gets no token: TokenRequest binds to the pod object, which is gone.
    const gone = await appPod();
    await deletePod(server.admin, gone);
    await assert.rejects(fallback.mount(gone), (error) => {
      assert.match(String(error), /cannot mint a token .* the pod no longer exists with this uid/);
      return true;
    });
    fallback.driver.close();
  });

  test('a feature switched on without the chart’s RBAC for it stops the start, saying what to grant', async () => {
    const bare = await chartIdentity(server, { namespace: 'bare', release: 'bare' });
    const dir = await mkdtemp(join(tmpdir(), 'vcp-kube-bare-'));
    try {
      const command = loadCommand(
        [
          `-endpoint=${join(dir, 'vault.sock')}`,
          '-health-addr=',
          '-token-request-fallback',
          '-revoke-leases-of-deleted-pods',
          `-node-name=${NODE}`,
        ],
        {},
      );
      if (command.kind !== 'serve') throw new Error('expected a serve command');
      const starting = startProvider(command.config, {
        kubeClient: client(bare),
        logDestination: { write: () => undefined },
        collectDefaultMetrics: false,
      });
      await assert.rejects(starting, (error) => {
        assert.match(String(error), /-token-request-fallback needs "create" on "serviceaccounts\/token"/);
        assert.match(String(error), /-revoke-leases-of-deleted-pods needs "list" on "pods" and "watch" on "pods"/);
        assert.match(String(error), /leaseRevocation\.enabled=true/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
