/**
 * The real-server rig of one test file: OpenBao (HTTP, TLS, mTLS and SNI listeners, a file audit
 * device), optionally PostgreSQL, a TokenReview fixture for kubernetes auth, and the built
 * provider as a child process dialled by the driver emulator. Started once per file; each test
 * uses its own service account (and so its own role, policy and audit trail).
 *
 * Seeded as an operator would: kubernetes auth at `kubernetes/` (TokenReview at the fixture),
 * jwt auth at `jwt/` (the same signing key), KV v2 at `secret/`, KV v1 at `kv/`, PKI at `pki/`,
 * and with PostgreSQL the database engine at `database/` (connection `postgres`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePod, type PodFixture } from '../../support/cluster/pod.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../../support/cluster/service-account-issuer.js';
import {
  DriverEmulator,
  readMountedFiles,
  type DriverEmulatorOptions,
  type MountOutcome,
  type VolumeFixture,
} from '../../support/driver/index.js';
import { startOpenBao, type OpenBao } from './openbao.js';
import { OpenBaoSetup } from './openbao-setup.js';
import { startPostgres, type Postgres } from './postgres.js';
import { startProviderProcess, type InClusterIdentity, type ProviderProcess } from './provider-process.js';
import { startTokenReview, type TokenReviewFixture } from './token-review.js';
import { allSettled, Teardown } from '../../support/child-process.js';

export interface RealRigOptions {
  readonly postgres?: boolean;
  /** Provider flags besides the socket, health address, log level and HMAC key file. */
  readonly providerArgs?: (bao: OpenBao) => readonly string[];
  /** Which pods' tokens the TokenReview fixture still accepts (bound-object check). */
  readonly podExists?: (uid: string) => boolean;
  /** Run the provider as in a pod, with this API server identity. */
  readonly inCluster?: InClusterIdentity;
  readonly driver?: Partial<Omit<DriverEmulatorOptions, 'socketPath' | 'issuer'>>;
}

export interface Published extends Omit<MountOutcome, 'files'> {
  readonly target: string;
  /** The files a container sees, as UTF-8. */
  readonly files: Map<string, string>;
  readonly modes: Map<string, number>;
  readonly versions: Map<string, string>;
}

export interface RealRig {
  readonly bao: OpenBao;
  readonly setup: OpenBaoSetup;
  readonly postgres?: Postgres;
  readonly tokenReview: TokenReviewFixture;
  readonly issuer: ServiceAccountIssuer;
  readonly provider: ProviderProcess;
  readonly dir: string;
  readonly hmacKeyFile: string;
  driver: DriverEmulator;
  /** A pod running as `serviceAccount` in `namespace` (default `default`). */
  pod(serviceAccount: string, namespace?: string): PodFixture;
  /**
   * A kubernetes role named after the service account, bound to it in `default`, with a policy
   * of its own granting `rules`.
   */
  grant(
    serviceAccount: string,
    rules: Readonly<Record<string, readonly string[]>>,
    role?: { ttl?: string; maxTtl?: string; audience?: string },
  ): Promise<void>;
  /** One publish (or republish) of a volume with these SPC parameters. */
  publish(
    pod: PodFixture,
    parameters: Record<string, string>,
    target?: string,
    volume?: Partial<VolumeFixture>,
  ): Promise<Published>;
  target(name?: string): string;
  restartProvider(): Promise<void>;
  stop(): Promise<void>;
}

let targets = 0;

export async function startRealRig(options: RealRigOptions = {}): Promise<RealRig> {
  const dir = await mkdtemp(join(tmpdir(), 'vcp-real-'));
  const teardown = new Teardown();
  await teardown.add(Promise.resolve(dir), (path) => rm(path, { recursive: true, force: true }));
  try {
    return await buildRig(dir, teardown, options);
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

async function buildRig(dir: string, teardown: Teardown, options: RealRigOptions): Promise<RealRig> {
  const [bao, postgres, issuer] = await allSettled([
    teardown.add(startOpenBao(), (server) => server.stop()),
    options.postgres === true ? teardown.add(startPostgres(), (server) => server.stop()) : Promise.resolve(undefined),
    createServiceAccountIssuer(),
  ] as const);
  const tokenReview = await teardown.add(
    startTokenReview({
      publicKeysPem: [issuer.publicKeyPem],
      issuer: issuer.issuer,
      ...(options.podExists === undefined ? {} : { podExists: options.podExists }),
    }),
    (fixture) => fixture.stop(),
  );
  const setup = new OpenBaoSetup(bao.root);
  await setup.enableKubernetesAuth('kubernetes', {
    kubernetesHost: tokenReview.url,
    // Any CA will do for an http:// host; OpenBao insists on one (no pod CA file here).
    kubernetesCaPem: bao.tls.caCertPem,
    issuer: issuer.issuer,
  });
  await setup.enableJwtAuth('jwt', { publicKeysPem: [issuer.publicKeyPem], issuer: issuer.issuer });
  await setup.enableKv('kv', 1);
  await setup.enablePki('pki');
  if (postgres !== undefined) await setup.enableDatabase('database', 'postgres', postgres);

  const hmacKeyFile = join(dir, 'hmac.key');
  await writeFile(hmacKeyFile, randomBytes(32), { mode: 0o600 });
  const providerDir = join(dir, 'provider');
  await mkdir(providerDir);
  const provider = await teardown.add(
    startProviderProcess({
      dir: providerDir,
      args: [`-vault-addr=${bao.address}`, `-hmac-key-file=${hmacKeyFile}`, ...(options.providerArgs?.(bao) ?? [])],
      ...(options.inCluster === undefined ? {} : { inCluster: options.inCluster }),
    }),
    (process) => process.stop(),
  );
  const newDriver = (): DriverEmulator =>
    new DriverEmulator({ socketPath: provider.socketPath, issuer, ...options.driver });

  const rig: RealRig = {
    bao,
    setup,
    ...(postgres === undefined ? {} : { postgres }),
    tokenReview,
    issuer,
    provider,
    dir,
    hmacKeyFile,
    driver: newDriver(),
    pod: (serviceAccount, namespace = 'default') => makePod({ namespace, serviceAccountName: serviceAccount }),
    async grant(serviceAccount, rules, role = {}) {
      await setup.writePolicy(serviceAccount, rules);
      await setup.writeKubernetesRole('kubernetes', serviceAccount, {
        serviceAccountNames: [serviceAccount],
        namespaces: ['default'],
        policies: [serviceAccount],
        ...role,
      });
    },
    async publish(pod, parameters, target = rig.target(), volume = {}) {
      const outcome = await rig.driver.mount(
        pod,
        { spc: { name: 'spc', provider: 'vault', parameters }, ...volume },
        target,
      );
      const mounted = await readMountedFiles(target);
      return {
        ...outcome,
        target,
        files: new Map([...mounted].map(([name, file]) => [name, file.contents.toString('utf8')])),
        modes: new Map([...mounted].map(([name, file]) => [name, file.mode])),
        versions: new Map(outcome.objectVersions.map((version) => [version.id, version.version])),
      };
    },
    target: (name) => join(dir, 'targets', name ?? `t${++targets}`),
    async restartProvider() {
      rig.driver.close();
      await provider.restart();
      rig.driver = newDriver();
    },
    async stop() {
      rig.driver.close();
      await teardown.run();
    },
  };
  return rig;
}
