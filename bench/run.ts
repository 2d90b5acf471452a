/**
 * `npm run bench [-- --smoke]`: the dev Vault and the provider as separate processes, Mounts
 * driven through the provider's socket by the driver emulator, exactly as the driver does.
 * Scenarios and goals: docs/benchmarks.md. `--smoke` runs each scenario tiny (CI checks it works).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { createServiceAccountIssuer } from '../test/support/cluster/service-account-issuer.js';
import { makePod, type PodFixture } from '../test/support/cluster/pod.js';
import { ProviderClient } from '../src/cli/driver/provider-client.js';
import { DriverEmulator } from '../test/support/driver/index.js';
import { cpuMs, memoryMb, startProviderProcess, startVaultProcess, type VaultProcess } from './processes.js';
import { percentile, Report } from './stats.js';
import { stormScenarios } from './storm.js';
import type { VaultStatsSnapshot } from './vault-process.js';

const smoke = process.argv.includes('--smoke');
const size = smoke
  ? { latencyRuns: 5, pods: 10, rounds: 1, throughputMounts: 40, throughputConcurrency: 8 }
  : { latencyRuns: 200, pods: 110, rounds: 3, throughputMounts: 3000, throughputConcurrency: 32 };
const LATENCY_MS = 5;

const report = new Report();
const dir = await mkdtemp(join(tmpdir(), 'vcp-bench-'));
const vault = await startVaultProcess();
const issuer = await createServiceAccountIssuer();
const paths = [...Array.from({ length: 20 }, (_, i) => `p${i + 1}`), ...[1, 2, 3, 4, 5].map((n) => `s${n}`)];
await vault.call({ kind: 'seed', publicKeyPem: issuer.publicKeyPem, issuer: issuer.issuer, paths });

const objectsOf = (names: readonly string[]) =>
  names.map((name) => `- {objectName: ${name}, secretPath: secret/data/bench/${name}, secretKey: value}`).join('\n');
const spc = (names: readonly string[]) => ({
  name: 'bench',
  provider: 'vault',
  parameters: { roleName: 'bench', objects: objectsOf(names) },
});
const benchPod = (): PodFixture => makePod({ namespace: 'default', serviceAccountName: 'bench' });
let targetCount = 0;
const target = () => join(dir, 'targets', `t${++targetCount}`);
const stats = () => vault.call<VaultStatsSnapshot>({ kind: 'stats' });
const setLatency = (ms: number) => vault.call({ kind: 'fault', fault: ms > 0 ? { kind: 'latency', ms } : null });

async function withProvider<T>(
  name: string,
  extraArgs: readonly string[],
  work: (p: Provider) => Promise<T>,
): Promise<T> {
  const socketPath = join(dir, `${name}.sock`);
  const args = [
    `-endpoint=${socketPath}`,
    `-vault-addr=${vault.address}`,
    '-health-addr=127.0.0.1:0',
    '-hmac-key-source=random',
    ...extraArgs,
  ];
  const process_ = await startProviderProcess(args, socketPath);
  const driver = new DriverEmulator({ socketPath, issuer });
  try {
    return await work({ pid: process_.pid, runtime: process_.runtime, driver, socketPath });
  } finally {
    driver.close();
    await process_.stop();
  }
}

interface Provider {
  readonly pid: number;
  readonly runtime: string;
  readonly driver: DriverEmulator;
  readonly socketPath: string;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The same reads with a bare undici client and a cached token: the floor for a Mount. */
async function bareReadsMs(names: readonly string[], runs: number): Promise<number[]> {
  const agent = new Agent({ connections: 64 });
  const pod = benchPod();
  const { token: jwt } = await issuer.sign({
    namespace: pod.namespace,
    serviceAccountName: pod.serviceAccountName,
    podName: pod.name,
    podUid: pod.uid,
    audiences: ['vault'],
  });
  const login = await request(`${vault.address}/v1/auth/kubernetes/login`, {
    method: 'POST',
    body: JSON.stringify({ role: 'bench', jwt }),
    dispatcher: agent,
  });
  const vaultToken = ((await login.body.json()) as { auth: { client_token: string } }).auth.client_token;
  const read = async (name: string) => {
    const response = await request(`${vault.address}/v1/secret/data/bench/${name}`, {
      headers: { 'x-vault-token': vaultToken },
      dispatcher: agent,
    });
    await response.body.json();
  };
  const durations: number[] = [];
  for (let run = 0; run < runs + 3; run += 1) {
    const ms = await timed(() => Promise.all(names.map(read)));
    if (run >= 3) durations.push(ms); // the first runs open connections
  }
  await agent.close();
  return durations;
}

async function latencyScenario(p: Provider, label: string): Promise<void> {
  await setLatency(LATENCY_MS);
  for (const count of [1, 5, 20]) {
    const names = paths.slice(0, count);
    const pod = benchPod();
    const where = target();
    await p.driver.mount(pod, { spc: spc(names) }, where); // login and first write
    // Time the Mount call itself, as kubelet's NodePublish waits on it: the request is built
    // once (kubelet caches the pod's token) and the driver's file writing is not counted.
    const mountRequest = await p.driver.buildRequest(pod, { spc: spc(names) }, where);
    const client = new ProviderClient(p.socketPath, 'localhost');
    const mounts: number[] = [];
    try {
      for (let run = 0; run < size.latencyRuns; run += 1) {
        mounts.push(await timed(() => client.mount(mountRequest, 120_000)));
      }
    } finally {
      client.close();
    }
    const bare = await bareReadsMs(names, size.latencyRuns);
    const ratio = percentile(mounts, 50) / percentile(bare, 50);
    const scenario = `latency ${count} obj${label}`;
    report.add({ scenario, figure: 'mount p50', value: percentile(mounts, 50), unit: 'ms' });
    report.add({ scenario, figure: 'mount p99', value: percentile(mounts, 99), unit: 'ms' });
    report.add({ scenario, figure: 'bare undici p50', value: percentile(bare, 50), unit: 'ms' });
    report.add({
      scenario,
      figure: 'p50 / bare p50',
      value: ratio,
      unit: 'x',
      ...(count === 20 ? { goal: '<= 1.3', met: ratio <= 1.3 } : {}),
    });
  }
  await setLatency(0);
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`# vault-csi-provider-ts benchmark${smoke ? ' (smoke)' : ''}: ${machine}\n`);
  await withProvider('main', [], async (p) => {
    process.stdout.write(`# provider: ${p.runtime}, default flags\n`);
    await sleep(smoke ? 200 : 2000);
    const idle = await memoryMb(p.pid);
    report.add({
      scenario: 'idle',
      figure: 'provider RSS after start',
      value: idle.rss,
      unit: 'MB',
      goal: '<= 60',
      met: idle.rss <= 60,
    });
    await stormScenarios({ p, report, vault, size, spc, benchPod, target, stats, setLatency, cpuMs, memoryMb, timed });
    await latencyScenario(p, '');
  });
  process.stdout.write(`\n${report.table()}\n`);
}

export interface BenchContext {
  readonly p: Provider;
  readonly report: Report;
  readonly vault: VaultProcess;
  readonly size: typeof size;
  readonly spc: typeof spc;
  readonly benchPod: typeof benchPod;
  readonly target: typeof target;
  readonly stats: typeof stats;
  readonly setLatency: typeof setLatency;
  readonly cpuMs: typeof cpuMs;
  readonly memoryMb: typeof memoryMb;
  readonly timed: typeof timed;
}

try {
  await main();
} finally {
  await vault.stop();
  await rm(dir, { recursive: true, force: true });
}
