/**
 * An end-to-end rig for tests and the demo: a dev Vault over real HTTP(S), the provider started
 * exactly as in production (real socket, real undici transport), and the driver emulator
 * calling it like the real driver. Logs are captured so tests can prove nothing leaks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadCommand, type ProviderConfig } from '../../src/config/provider-config.js';
import type { KubeClient } from '../../src/kube/in-cluster.js';
import { startProvider, type ProviderHandle } from '../../src/provider.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from './cluster/service-account-issuer.js';
import { makePod, type PodFixture } from './cluster/pod.js';
import {
  DriverEmulator,
  FAST_RETRY_BACKOFF,
  type DriverEmulatorOptions,
  type MountOutcome,
  type SecretProviderClassFixture,
} from './driver/index.js';
import { startDevVault, type DevVault, type DevVaultOptions } from './vault-dev/index.js';

export interface HarnessOptions {
  readonly vault?: DevVaultOptions;
  /** Extra provider flags, as on the command line. */
  readonly providerArgs?: readonly string[];
  readonly providerEnv?: Readonly<Record<string, string>>;
  readonly driver?: Partial<Omit<DriverEmulatorOptions, 'socketPath' | 'issuer'>>;
  /** Defaults to true: set up kubernetes auth, the `app` role and policy, and sample secrets. */
  readonly seed?: boolean;
  /** A Kubernetes API client for the provider (e.g. one pointed at test/support/kube-api). */
  readonly kubeClient?: KubeClient;
}

export interface Harness {
  readonly vault: DevVault;
  readonly provider: ProviderHandle;
  readonly config: ProviderConfig;
  readonly driver: DriverEmulator;
  readonly issuer: ServiceAccountIssuer;
  readonly dir: string;
  /** Every log line the provider wrote, raw. */
  readonly logs: string[];
  /** A pod bound to the `app` role (service account `app` in namespace `default`). */
  appPod(overrides?: Partial<PodFixture>): PodFixture;
  spc(parameters: Record<string, string>, name?: string): SecretProviderClassFixture;
  mount(
    pod: PodFixture,
    parameters: Record<string, string>,
    target?: string,
  ): Promise<MountOutcome & { target: string }>;
  target(name?: string): string;
  stop(): Promise<void>;
}

export const SAMPLE = {
  kv2: {
    path: 'secret/data/app',
    data: { username: 'app-user', password: 's3cr3t-Pa55', port: 5432, flags: { tls: true } },
  },
  kv1: {
    path: 'kv/legacy',
    data: {
      apiKey: 'legacy-api-key-123',
      // `encoding` decodes, as in the Go provider: values stored encoded in Vault become raw bytes.
      keystoreBase64: Buffer.from([0xfe, 0xed, 0x00, 0x01, 0x42]).toString('base64'),
      keystoreHex: Buffer.from([0xca, 0xfe, 0x00, 0xff]).toString('hex'),
    },
  },
} as const;

let targetCounter = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'vcp-e2e-'));
  const vault = await startDevVault(options.vault ?? {});
  const issuer = await createServiceAccountIssuer();
  if (options.seed ?? true) seedVault(vault, issuer);

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
  const tlsArgs = vault.tls === undefined ? [] : [`-vault-tls-ca-cert=${vault.tls.caCertPath}`];
  const command = loadCommand(
    [
      `-endpoint=${join(dir, 'vault.sock')}`,
      `-vault-addr=${vault.address}`,
      '-health-addr=127.0.0.1:0',
      '-log-level=trace',
      // An in-process provider's sandbox workers load the TypeScript sources through tsx, whose
      // compiler needs heap of its own; the built provider (test/security/) runs the default 32.
      '-sandbox-memory-limit=64',
      ...tlsArgs,
      ...(options.providerArgs ?? []),
    ],
    options.providerEnv ?? {},
  );
  if (command.kind !== 'serve') throw new Error('harness needs a serve command');
  const provider = await startProvider(command.config, {
    logDestination,
    collectDefaultMetrics: false,
    ...(options.kubeClient === undefined ? {} : { kubeClient: options.kubeClient }),
  });
  const driver = new DriverEmulator({
    socketPath: command.config.endpoint,
    issuer,
    retryBackoff: FAST_RETRY_BACKOFF,
    ...options.driver,
  });

  const harness: Harness = {
    vault,
    provider,
    config: command.config,
    driver,
    issuer,
    dir,
    logs,
    appPod: (overrides = {}) => makePod({ namespace: 'default', serviceAccountName: 'app', ...overrides }),
    spc: (parameters, name = 'app-secrets') => ({ name, provider: 'vault', parameters }),
    target: (name) => join(dir, 'targets', name ?? `t${++targetCounter}`),
    async mount(pod, parameters, target = harness.target()) {
      const outcome = await driver.mount(pod, { spc: harness.spc(parameters) }, target);
      return { ...outcome, target };
    },
    async stop() {
      driver.close();
      await provider.stop();
      await vault.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The Vault side every e2e test starts from, as an operator would configure it. */
export function seedVault(vault: DevVault, issuer: ServiceAccountIssuer): void {
  vault.enableKubernetesAuth('kubernetes', { publicKeysPem: [issuer.publicKeyPem], issuer: issuer.issuer });
  vault.writePolicy('app-read', [
    { path: 'secret/data/app', capabilities: ['read'] },
    { path: 'secret/data/app/*', capabilities: ['read'] },
    { path: 'kv/legacy', capabilities: ['read'] },
    { path: 'database/creds/app', capabilities: ['read'] },
    { path: 'pki/issue/app', capabilities: ['update'] },
  ]);
  vault.writeKubernetesRole('kubernetes', 'app', {
    boundServiceAccountNames: ['app'],
    boundServiceAccountNamespaces: ['default'],
    audience: 'vault',
    policies: ['app-read'],
    ttlSeconds: 3600,
  });
  vault.writeKv('secret', 'app', SAMPLE.kv2.data);
  vault.writeKv('kv', 'legacy', SAMPLE.kv1.data);
}

/** SPC parameters in the Go provider's format. */
export function spcParameters(objects: string, extra: Record<string, string> = {}): Record<string, string> {
  return { roleName: 'app', objects, ...extra };
}
