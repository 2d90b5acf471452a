/**
 * What every scenario shares: the dev Vault process, the service-account issuer, the report, the
 * sizes of this run, and starting a provider with a driver emulator and a raw gRPC client on its
 * socket. Requests are built once per pod and volume (kubelet sends the same attributes on every
 * republish), so the bench spends its CPU on calling, not on signing JWTs.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MountRequest } from '../src/generated/v1alpha1/MountRequest.js';
import { ProviderClient } from '../src/cli/driver/provider-client.js';
import { makePod, type PodFixture } from '../test/support/cluster/pod.js';
import type { ServiceAccountIssuer } from '../test/support/cluster/service-account-issuer.js';
import { DriverEmulator } from '../test/support/driver/index.js';
import type { BenchOptions } from './options.js';
import { cpuMs, freePort, launch, memoryMb, type LaunchedProcess, type VaultProcess } from './processes.js';
import type { Report } from './stats.js';
import type { Target } from './targets.js';
import type { VaultStatsSnapshot } from './vault-process.js';

/** Vault's added latency in the storm and latency scenarios. */
export const LATENCY_MS = 5;
/** The gRPC deadline the bench gives a Mount (kubelet's). */
const MOUNT_DEADLINE_MS = 120_000;

export interface Spc {
  readonly name: string;
  readonly provider: string;
  readonly parameters: Readonly<Record<string, string>>;
}

export interface Sizes {
  readonly pods: number;
  readonly rounds: number;
  readonly latencyRuns: number;
  readonly startups: number;
  readonly idleWaitMs: number;
  readonly concurrency: number;
  readonly batches: number;
  readonly batchMounts: number;
}

export function sizesFor(smoke: boolean): Sizes {
  return smoke
    ? { pods: 10, rounds: 1, latencyRuns: 5, startups: 1, idleWaitMs: 300, concurrency: 8, batches: 2, batchMounts: 10 }
    : {
        pods: 110,
        rounds: 3,
        latencyRuns: 200,
        startups: 5,
        idleWaitMs: 3000,
        concurrency: 32,
        batches: 10,
        batchMounts: 300,
      };
}

/** One object per KV path: `- {objectName: s1, secretPath: secret/data/bench/s1, secretKey: value}`. */
export function kvObjects(names: readonly string[], extra = ''): string {
  return names
    .map((name) => `- {objectName: ${name}, secretPath: secret/data/bench/${name}, secretKey: value${extra}}`)
    .join('\n');
}

export function spcOf(objects: string, parameters: Readonly<Record<string, string>> = {}): Spc {
  return { name: 'bench', provider: 'vault', parameters: { roleName: 'bench', objects, ...parameters } };
}

export interface RunningProvider {
  readonly target: Target;
  readonly process: LaunchedProcess;
  readonly driver: DriverEmulator;
  readonly client: ProviderClient;
  readonly healthUrl: string;
  /** A pod's request for this SPC, as the driver builds it (signed once). */
  request(pod: PodFixture, spc: Spc): Promise<MountRequest>;
  mount(request: MountRequest): Promise<unknown>;
  cpuMs(): Promise<number>;
  memoryMb(): Promise<{ rss: number; peak: number }>;
  stop(): Promise<void>;
}

export class BenchContext {
  private sockets = 0;
  private targetsMade = 0;

  constructor(
    readonly options: BenchOptions,
    readonly sizes: Sizes,
    readonly vault: VaultProcess,
    readonly issuer: ServiceAccountIssuer,
    readonly report: Report,
    readonly dir: string,
  ) {}

  pod(): PodFixture {
    return makePod({ namespace: 'default', serviceAccountName: 'bench' });
  }

  targetPath(): string {
    return join(this.dir, 'targets', `t${++this.targetsMade}`);
  }

  stats(): Promise<VaultStatsSnapshot> {
    return this.vault.call<VaultStatsSnapshot>({ kind: 'stats' });
  }

  resetStats(): Promise<unknown> {
    return this.vault.call({ kind: 'reset' });
  }

  setLatency(ms: number): Promise<unknown> {
    return this.vault.call({ kind: 'fault', fault: ms > 0 ? { kind: 'latency', ms } : null });
  }

  async start(target: Target, extraArgs: readonly string[] = []): Promise<RunningProvider> {
    const socketPath = join(this.dir, `p${++this.sockets}.sock`);
    const healthPort = await freePort();
    const launched = await launch(target.launchSpec(socketPath, healthPort, this.vault.address, extraArgs), socketPath);
    const driver = new DriverEmulator({ socketPath, issuer: this.issuer });
    const client = new ProviderClient(socketPath, 'localhost');
    return {
      target,
      process: launched,
      driver,
      client,
      healthUrl: `http://127.0.0.1:${healthPort}`,
      request: (pod, spc) => driver.buildRequest(pod, { spc }, this.targetPath()),
      mount: (request) => client.mount(request, MOUNT_DEADLINE_MS),
      cpuMs: () => cpuMs(launched.pid),
      memoryMb: () => memoryMb(launched.pid),
      stop: async () => {
        client.close();
        driver.close();
        await launched.stop();
      },
    };
  }

  /** Runs `work` against each target's own provider, one after the other, stopping each after. */
  async each(
    targets: readonly Target[],
    work: (p: RunningProvider) => Promise<void>,
    extraArgs: readonly string[] = [],
  ): Promise<void> {
    for (const target of targets) {
      const provider = await this.start(target, extraArgs);
      try {
        await work(provider);
      } finally {
        await provider.stop();
        await sleep(100);
      }
    }
  }
}

/** Calls `mount` for every request, at most `concurrency` at a time; resolves with each call's duration. */
export async function mountAll(
  p: RunningProvider,
  requests: readonly MountRequest[],
  concurrency: number,
): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const started = performance.now();
        await p.mount(request);
        durations.push(performance.now() - started);
      }
    }),
  );
  return durations;
}

/** The provider's CPU time spent while `work` ran, and what `work` returned. */
export async function cpuOf<T>(p: RunningProvider, work: () => Promise<T>): Promise<{ cpuMs: number; result: T }> {
  const before = await p.cpuMs();
  const result = await work();
  return { cpuMs: (await p.cpuMs()) - before, result };
}
