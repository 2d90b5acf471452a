/**
 * The HMAC key of object versions through the provider's real start-up path (startProvider with
 * a KubeClient pointed at the fake API server): shared via the Go provider's Secret, the start-up
 * failure policy (never serve versions with an unshared key), and one key-length rule.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { effectiveHmacKeySource } from '../../src/config/hmac-key-source.js';
import { HmacKeyUnavailableError } from '../../src/kube/hmac-key-secret.js';
import { ConfigError, loadCommand, type ProviderConfig } from '../../src/config/provider-config.js';
import { runsInCluster, type KubeClient } from '../../src/kube/in-cluster.js';
import { startProvider } from '../../src/provider.js';
import { SAMPLE, spcParameters, startHarness } from '../support/harness.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { clientFor } from './kube-fixtures.js';

const NAMESPACE = 'csi';
const NAME = 'vault-csi-provider-hmac-key';
const SECRET_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets/${NAME}`;
const OBJECTS = spcParameters(`
- objectName: password
  secretPath: secret/data/app
  secretKey: password
`);

function serveConfig(dir: string, args: string[] = []): ProviderConfig {
  const command = loadCommand([`-endpoint=${join(dir, 'vault.sock')}`, '-health-addr=', ...args], {});
  if (command.kind !== 'serve') throw new Error('expected a serve command');
  return command.config;
}

async function versionFrom(kubeClient: KubeClient | undefined, args: string[] = []): Promise<string> {
  const h = await startHarness({ providerArgs: args, ...(kubeClient === undefined ? {} : { kubeClient }) });
  try {
    const pod = h.appPod({ serviceAccountName: 'app' });
    const outcome = await h.mount(pod, OBJECTS);
    assert.equal(outcome.files[0]?.contents.toString(), SAMPLE.kv2.data.password);
    return outcome.objectVersions[0]?.version ?? '';
  } finally {
    await h.stop();
  }
}

describe('HMAC key from the Kubernetes Secret at provider start', () => {
  let fake: FakeKubeApi;
  let client: KubeClient;
  let dir: string;

  before(async () => {
    fake = await startFakeKubeApi({ token: 'provider-sa-token-0f9e8d7c6b5a' });
    client = clientFor(fake);
    dir = await mkdtemp(join(tmpdir(), 'vcp-hmac-'));
  });
  after(async () => {
    await client.close();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    fake.secrets.delete(NAMESPACE, NAME);
  });

  test('auto in a cluster: the first provider creates the Secret, every provider then computes the same versions', async () => {
    const first = await versionFrom(client);
    const stored = fake.secrets.get(NAMESPACE, NAME);
    assert.equal(stored?.immutable, true);
    assert.equal(Buffer.from(stored.data?.key ?? '', 'base64').length, 32);
    const since = fake.requests.length;
    const second = await versionFrom(client);
    assert.deepEqual(
      fake.requests.slice(since).map((r) => `${r.method} ${r.path} ${r.status}`),
      [`GET ${SECRET_PATH} 200`],
      'read once at start, not per mount',
    );
    assert.equal(second, first, 'two providers sharing the Secret agree on versions');
    // Outside a cluster (no client, no service-account files) the key is random per process.
    assert.notEqual(await versionFrom(undefined), first);
  });

  test('403 → the provider refuses to start, naming the RBAC it needs, without retrying', async () => {
    fake.failNext(403, 'Forbidden', { method: 'GET', pathPrefix: SECRET_PATH });
    const since = fake.requests.length;
    await assert.rejects(
      startProvider(serveConfig(dir), { kubeClient: client, collectDefaultMetrics: false }),
      (error) => {
        assert.ok(error instanceof HmacKeyUnavailableError);
        assert.match(
          error.message,
          /cannot load the HMAC key for object versions \(Secret "csi\/vault-csi-provider-hmac-key"\)/,
        );
        assert.match(error.message, /"get" on secrets with resourceNames \["vault-csi-provider-hmac-key"\]/);
        assert.match(error.message, /-hmac-key-source=random/);
        return true;
      },
    );
    assert.equal(fake.requests.length - since, 1);
  });

  test('a transient 503 is retried at start, then the provider serves', async () => {
    fake.failNext(503, 'ServiceUnavailable', { method: 'GET', pathPrefix: SECRET_PATH });
    const logs: string[] = [];
    const provider = await startProvider(serveConfig(dir), {
      kubeClient: client,
      collectDefaultMetrics: false,
      logDestination: { write: (line: string) => void logs.push(line) },
    });
    try {
      assert.ok(provider.isServing());
      assert.match(logs.join(''), /HMAC key Secret not readable yet; retrying/);
      assert.ok(fake.secrets.get(NAMESPACE, NAME) !== undefined);
    } finally {
      await provider.stop();
    }
  });

  test('one key-length rule: an 8-byte key is refused from the Secret and from the file alike', async () => {
    fake.secrets.put(NAMESPACE, { name: NAME, data: { key: Buffer.alloc(8, 1) }, immutable: true });
    await assert.rejects(
      startProvider(serveConfig(dir), { kubeClient: client, collectDefaultMetrics: false }),
      /holds a 8-byte key in data\.key; at least 16 bytes are needed: delete it/,
    );
    const keyFile = join(dir, 'short-key');
    await writeFile(keyFile, Buffer.alloc(8, 1));
    await assert.rejects(
      startProvider(serveConfig(dir, [`-hmac-key-file=${keyFile}`]), { kubeClient: client }),
      (error) => error instanceof ConfigError && error.message.includes('holds 8 bytes; use at least 16'),
    );
  });

  test('a key file or -hmac-key-source=random never calls the API server', async () => {
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, Buffer.alloc(32, 3));
    const since = fake.requests.length;
    for (const args of [[`-hmac-key-file=${keyFile}`], ['-hmac-key-source=random']]) {
      const provider = await startProvider(serveConfig(dir, args), {
        kubeClient: client,
        collectDefaultMetrics: false,
        logDestination: { write: () => undefined },
      });
      await provider.stop();
    }
    assert.equal(fake.requests.length, since);
  });
});

describe('-hmac-key-source', () => {
  test('auto: the file when given, else the Secret in a cluster, else random; explicit values win', () => {
    const base = { hmacSecretName: NAME } as const;
    assert.equal(effectiveHmacKeySource({ ...base, hmacKeySource: 'auto', hmacKeyFile: '/k' }, true), 'file');
    assert.equal(effectiveHmacKeySource({ ...base, hmacKeySource: 'auto' }, true), 'kubernetes-secret');
    assert.equal(effectiveHmacKeySource({ ...base, hmacKeySource: 'auto' }, false), 'random');
    assert.equal(effectiveHmacKeySource({ ...base, hmacKeySource: 'random' }, true), 'random');
    assert.equal(effectiveHmacKeySource({ ...base, hmacKeySource: 'kubernetes-secret' }, false), 'kubernetes-secret');
  });

  test('in a cluster: KUBERNETES_SERVICE_HOST set and a projected service-account token present', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vcp-sa-'));
    try {
      const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
      assert.equal(runsInCluster(env, dir), false, 'no token file (automountServiceAccountToken: false)');
      await writeFile(join(dir, 'token'), 'x');
      assert.equal(runsInCluster(env, dir), true);
      assert.equal(runsInCluster({}, dir), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('flag validation', () => {
    assert.throws(() => loadCommand(['-hmac-key-source=vault'], {}), /must be auto, file, kubernetes-secret, random/);
    assert.throws(() => loadCommand(['-hmac-key-source=file'], {}), /-hmac-key-source=file needs -hmac-key-file/);
  });
});
