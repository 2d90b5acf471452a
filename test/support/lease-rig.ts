/**
 * The rig of the lease-cache tests (per test file): the dev Vault and the provider on one manual
 * clock, the provider's background pass driven by hand (`tick`), the driver emulator, and a way
 * to restart the provider process state (stop + start with the same flags and state directory).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { loadCommand } from '../../src/config/provider-config.js';
import { KubeClient } from '../../src/kube/in-cluster.js';
import { startProvider, type ProviderHandle } from '../../src/provider.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from './cluster/service-account-issuer.js';
import { makePod, type PodFixture } from './cluster/pod.js';
import { DriverEmulator, FAST_RETRY_BACKOFF, readMountedFiles, type MountOutcome } from './driver/index.js';
import { seedVault, spcParameters } from './harness.js';
import { startFakeKubeApi, type FakeKubeApi } from './kube-api/index.js';
import { startDevVault, type DevVault } from './vault-dev/index.js';

export interface LeaseRigOptions {
  readonly providerArgs?: readonly string[];
  readonly kubeClient?: KubeClient;
  /** Database role `app` (default: ttl 300 s, max 3600 s, renewable). */
  readonly database?: { defaultTtlSeconds: number; maxTtlSeconds: number; renewable?: boolean };
  /** Extra policy rules for the `app` role (e.g. sys/leases/revoke). */
  readonly extraPolicy?: readonly { path: string; capabilities: string[] }[];
  /** Who mints the pods' tokens (default: a local signer); Vault trusts its key. */
  readonly issuer?: ServiceAccountIssuer;
}

export interface LeaseRig {
  readonly vault: DevVault;
  readonly dir: string;
  readonly logs: string[];
  provider: ProviderHandle;
  driver: DriverEmulator;
  now(): number;
  /** Moves the shared clock, then runs the provider's background pass. */
  advance(ms: number): Promise<void>;
  pod(overrides?: Partial<PodFixture>): PodFixture;
  /** One publish or republish of `pod`'s volume into `target`; files read back from disk. */
  publish(pod: PodFixture, objects: string, target: string): Promise<Published>;
  target(name: string): string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  restartProvider(): Promise<void>;
  stop(): Promise<void>;
}

export interface Published {
  readonly outcome: MountOutcome;
  readonly files: Map<string, string>;
  readonly versions: Map<string, string>;
}

/** A database credential (two objects, one request) and a certificate. */
export const DB_AND_CERT = `
- objectName: db-user
  secretPath: database/creds/app
  secretKey: username
- objectName: db-pass
  secretPath: database/creds/app
  secretKey: password
- objectName: tls.crt
  secretPath: pki/issue/app
  method: PUT
  secretArgs: {common_name: a.example.com, ttl: 1h}
  secretKey: certificate
`;

export async function startLeaseRig(options: LeaseRigOptions = {}): Promise<LeaseRig> {
  let clock = Date.now();
  const now = () => clock;
  const dir = await mkdtemp(join(tmpdir(), 'vcp-leases-'));
  const vault = await startDevVault({ now });
  const issuer: ServiceAccountIssuer = options.issuer ?? (await createServiceAccountIssuer());
  seedVault(vault, issuer);
  vault.writeDatabaseRole('app', options.database ?? { defaultTtlSeconds: 300, maxTtlSeconds: 3600 });
  vault.writePkiRole('app', { allowedDomains: ['example.com'], allowSubdomains: true, maxTtlSeconds: 7200 });
  if (options.extraPolicy !== undefined) {
    vault.writePolicy('app-extra', [...options.extraPolicy]);
    vault.writeKubernetesRole('kubernetes', 'app', {
      boundServiceAccountNames: ['app'],
      boundServiceAccountNamespaces: ['default'],
      audience: 'vault',
      policies: ['app-read', 'app-extra'],
      ttlSeconds: 3600,
    });
  }
  const hmacKeyFile = join(dir, 'hmac.key');
  await writeFile(hmacKeyFile, randomBytes(32));
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const command = loadCommand(
    [
      `-endpoint=${join(dir, 'vault.sock')}`,
      `-vault-addr=${vault.address}`,
      '-health-addr=127.0.0.1:0',
      '-log-level=debug',
      `-hmac-key-file=${hmacKeyFile}`,
      ...(options.providerArgs ?? []),
    ],
    {},
  );
  if (command.kind !== 'serve') throw new Error('lease rig needs a serve command');
  const start = () =>
    startProvider(command.config, {
      logDestination,
      collectDefaultMetrics: false,
      now,
      leases: { random: () => 0, tickMs: null },
      ...(options.kubeClient === undefined ? {} : { kubeClient: options.kubeClient }),
    });
  const rig: LeaseRig = {
    vault,
    dir,
    logs,
    provider: await start(),
    driver: new DriverEmulator({ socketPath: command.config.endpoint, issuer, retryBackoff: FAST_RETRY_BACKOFF }),
    now,
    async advance(ms) {
      clock += ms;
      await rig.provider.leases.runDue();
    },
    pod: (overrides = {}) => makePod({ namespace: 'default', serviceAccountName: 'app', ...overrides }),
    async publish(pod, objects, target) {
      const outcome = await rig.driver.mount(
        pod,
        { spc: { name: 'db', provider: 'vault', parameters: spcParameters(objects) } },
        target,
      );
      const mounted = await readMountedFiles(target);
      const files = new Map([...mounted].map(([name, file]) => [name, file.contents.toString('utf8')]));
      const versions = new Map(outcome.objectVersions.map((version) => [version.id, version.version]));
      return { outcome, files, versions };
    },
    target: (name) => join(dir, 'targets', name),
    async metric(name, labels = {}) {
      const metric = await rig.provider.metrics.registry.getSingleMetric(name)?.get();
      const value = metric?.values.find((sample) =>
        Object.entries(labels).every(([label, wanted]) => String(sample.labels[label]) === wanted),
      );
      return value?.value ?? 0;
    },
    async restartProvider() {
      rig.driver.close();
      await rig.provider.stop();
      rig.provider = await start();
      rig.driver = new DriverEmulator({
        socketPath: command.config.endpoint,
        issuer,
        retryBackoff: FAST_RETRY_BACKOFF,
      });
    },
    async stop() {
      rig.driver.close();
      await rig.provider.stop();
      await vault.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/**
 * A lease rig whose provider reaches a fake API server (its pod watch, with
 * `-revoke-leases-of-deleted-pods`); the server, the client and the rig stop with the test.
 */
export async function startLeaseRigWithKube(
  t: TestContext,
  kubeToken: string,
  options: Omit<LeaseRigOptions, 'kubeClient'>,
): Promise<{ kube: FakeKubeApi; rig: LeaseRig }> {
  const kube = await startFakeKubeApi({ token: kubeToken });
  t.after(() => kube.stop());
  const client = new KubeClient({ baseUrl: kube.baseUrl, namespace: 'csi', token: kubeToken });
  t.after(() => client.close());
  const rig = await startLeaseRig({ ...options, kubeClient: client });
  t.after(() => rig.stop());
  return { kube, rig };
}
