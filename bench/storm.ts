/**
 * The load scenarios: a node reboot (every pod's first mount at once), steady republishing of
 * those pods, and raw throughput with Vault answering at once. Provider CPU and memory are read
 * from /proc of its process; Vault's counters from the Vault process.
 */
import type { PodFixture } from '../test/support/cluster/pod.js';
import type { BenchContext } from './run.js';
import { percentile } from './stats.js';

const LATENCY_MS = 5;

/**
 * Five objects as a typical pod has them: three KV secrets and a database credential whose
 * username and password come from one lease, so the storm mints one credential per pod and a
 * republish should mint none.
 */
const SPC = {
  name: 'bench-storm',
  provider: 'vault',
  parameters: {
    roleName: 'bench',
    objects: [
      ...['s1', 's2', 's3'].map(
        (name) => `- {objectName: ${name}, secretPath: secret/data/bench/${name}, secretKey: value}`,
      ),
      '- {objectName: db-user, secretPath: database/creds/bench, secretKey: username}',
      '- {objectName: db-pass, secretPath: database/creds/bench, secretKey: password}',
    ].join('\n'),
  },
};
const KV_READS_PER_MOUNT = 3;

export async function stormScenarios(c: BenchContext): Promise<void> {
  const { p, report, size } = c;
  const pods: { pod: PodFixture; where: string }[] = Array.from({ length: size.pods }, () => ({
    pod: c.benchPod(),
    where: c.target(),
  }));

  // Storm: every pod's first mount at once.
  await c.setLatency(LATENCY_MS);
  await c.vault.call({ kind: 'reset' });
  let peakRss = 0;
  const sampling = { on: true };
  const sampler = (async () => {
    while (sampling.on) {
      peakRss = Math.max(peakRss, (await c.memoryMb(p.pid)).rss);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const durations: number[] = [];
  const total = await c.timed(() =>
    Promise.all(
      pods.map(async ({ pod, where }) => {
        durations.push(await c.timed(() => p.driver.mount(pod, { spc: SPC }, where)));
      }),
    ),
  );
  sampling.on = false;
  await sampler;
  const afterStorm = await c.stats();
  const memory = await c.memoryMb(p.pid);
  const scenario = `storm ${size.pods}×5`;
  report.add({ scenario, figure: 'time to all mounted', value: total, unit: 'ms' });
  report.add({ scenario, figure: 'mount p99', value: percentile(durations, 99), unit: 'ms' });
  report.add({ scenario, figure: 'peak in flight at Vault', value: afterStorm.peakInFlight, unit: 'requests' });
  report.add({ scenario, figure: 'Vault requests (logins + reads)', value: afterStorm.requests, unit: 'requests' });
  report.add({ scenario, figure: 'credentials minted', value: afterStorm.credentialsMinted, unit: 'credentials' });
  const peak = Math.max(peakRss, memory.peak);
  report.add({ scenario, figure: 'provider peak RSS', value: peak, unit: 'MB', goal: '<= 150', met: peak <= 150 });

  // Steady republish: the same pods, all republishing, round after round.
  await c.vault.call({ kind: 'reset' });
  const cpuBefore = await c.cpuMs(p.pid);
  for (let round = 0; round < size.rounds; round += 1) {
    await Promise.all(pods.map(({ pod, where }) => p.driver.mount(pod, { spc: SPC }, where)));
  }
  const republishes = size.pods * size.rounds;
  const cpu = (await c.cpuMs(p.pid)) - cpuBefore;
  const steady = await c.stats();
  const rs = `steady republish ${size.pods} pods`;
  report.add({ scenario: rs, figure: 'provider CPU per republish', value: cpu / republishes, unit: 'ms' });
  report.add({
    scenario: rs,
    figure: 'Vault reads per republish',
    value: steady.reads / republishes,
    unit: 'requests',
    goal: `<= ${KV_READS_PER_MOUNT} (one per KV path; the lease is cached)`,
    met: steady.reads / republishes <= KV_READS_PER_MOUNT,
  });
  report.add({
    scenario: rs,
    figure: 'logins',
    value: steady.logins,
    unit: 'logins',
    goal: '0',
    met: steady.logins === 0,
  });
  report.add({
    scenario: rs,
    figure: 'credentials minted',
    value: steady.credentialsMinted,
    unit: 'credentials',
    goal: '0',
    met: steady.credentialsMinted === 0,
  });

  // Throughput: Vault answers at once; concurrent republishes of the logged-in pods.
  await c.setLatency(0);
  let next = 0;
  const throughputCpuBefore = await c.cpuMs(p.pid);
  const elapsed = await c.timed(() =>
    Promise.all(
      Array.from({ length: size.throughputConcurrency }, async () => {
        while (next < size.throughputMounts) {
          const { pod, where } = pods[next++ % pods.length] as { pod: PodFixture; where: string };
          await p.driver.mount(pod, { spc: SPC }, where);
        }
      }),
    ),
  );
  const throughputCpu = (await c.cpuMs(p.pid)) - throughputCpuBefore;
  const perMount = throughputCpu / size.throughputMounts;
  const ts = `throughput ${size.throughputConcurrency} concurrent`;
  report.add({
    scenario: ts,
    figure: 'mounts per second',
    value: (size.throughputMounts / elapsed) * 1000,
    unit: '/s',
  });
  report.add({
    scenario: ts,
    figure: 'provider CPU per Mount (5 objects)',
    value: perMount,
    unit: 'ms',
    goal: '< 1',
    met: perMount < 1,
  });
}
