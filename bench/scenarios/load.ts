/**
 * A busy node: pods mount, then republish as fast as the provider serves them for a while (Vault
 * answering at once: the provider's own CPU per Mount), then a node reboot's worth of new pods
 * mount all at once (the storm: Vault 5 ms away, peak memory after the busy period), then those
 * pods republish round after round (what rotation costs Vault). CPU and memory are read from
 * /proc of the provider process; Vault's counters from the Vault process.
 */
import { cpuOf, LATENCY_MS, mountAll, spcOf, type BenchContext, type RunningProvider } from '../context.js';
import { atMost, below, percentile } from '../stats.js';
import type { Target } from '../targets.js';

/**
 * Five objects as a typical pod has them: three KV secrets and a database credential whose
 * username and password come from one lease, so the storm mints one credential per pod and a
 * republish should mint none.
 */
export const TYPICAL_OBJECTS = [
  ...['s1', 's2', 's3'].map(
    (name) => `- {objectName: ${name}, secretPath: secret/data/bench/${name}, secretKey: value}`,
  ),
  '- {objectName: db-user, secretPath: database/creds/bench, secretKey: username}',
  '- {objectName: db-pass, secretPath: database/creds/bench, secretKey: password}',
].join('\n');
const KV_READS_PER_MOUNT = 3;

export async function loadScenario(c: BenchContext, targets: readonly Target[]): Promise<void> {
  await c.each(targets, (p) => load(c, p));
}

async function load(c: BenchContext, p: RunningProvider): Promise<void> {
  const { report, sizes } = c;
  const target = p.target.name;
  const goals = p.target.current;
  const spc = spcOf(TYPICAL_OBJECTS);

  // Pods already running on the node: their first mounts, then republishes as fast as served.
  await c.setLatency(0);
  const busy = await Promise.all(Array.from({ length: sizes.pods }, () => p.request(c.pod(), spc)));
  await mountAll(p, busy, sizes.concurrency);
  report.add({
    scenario: 'memory by phase',
    target,
    figure: `RSS after ${sizes.pods} pods mounted`,
    value: (await p.memoryMb()).rss,
    unit: 'MB',
  });

  const throughputMs = c.options.throughputSeconds * 1000;
  let mounts = 0;
  const started = performance.now();
  const { cpuMs } = await cpuOf(p, () =>
    Promise.all(
      Array.from({ length: sizes.concurrency }, async (_, worker) => {
        for (let i = worker; performance.now() - started < throughputMs; i += sizes.concurrency) {
          await p.mount(busy[i % busy.length]!);
          mounts += 1;
        }
      }),
    ),
  );
  const elapsed = performance.now() - started;
  await c.resetStats();
  const ts = `throughput ${c.options.throughputSeconds} s, ${sizes.concurrency} at once, 0 ms Vault`;
  report.add({ scenario: ts, target, figure: 'Mounts per second', value: (mounts / elapsed) * 1000, unit: '/s' });
  report.add({
    scenario: ts,
    target,
    figure: 'provider CPU per 5-object Mount (warm)',
    value: cpuMs / mounts,
    unit: 'ms',
    ...(goals ? { goal: below(1) } : {}),
  });
  report.add({
    scenario: 'memory by phase',
    target,
    figure: 'RSS after the throughput phase',
    value: (await p.memoryMb()).rss,
    unit: 'MB',
  });

  // The storm: a node reboot's worth of new pods, every first mount at once.
  const stormPods = await Promise.all(Array.from({ length: sizes.pods }, () => p.request(c.pod(), spc)));
  await c.setLatency(LATENCY_MS);
  await c.resetStats();
  let peakRss = 0;
  const sampling = { on: true };
  const sampler = (async () => {
    while (sampling.on) {
      peakRss = Math.max(peakRss, (await p.memoryMb()).rss);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const stormStarted = performance.now();
  const durations = await mountAll(p, stormPods, stormPods.length);
  const total = performance.now() - stormStarted;
  sampling.on = false;
  await sampler;
  const afterStorm = await c.stats();
  const memory = await p.memoryMb();
  const ss = `storm: ${sizes.pods} pods × 5 objects, first mounts at once, 5 ms Vault`;
  report.add({ scenario: ss, target, figure: 'time to all mounted', value: total, unit: 'ms' });
  report.add({ scenario: ss, target, figure: 'Mount p99', value: percentile(durations, 99), unit: 'ms' });
  report.add({
    scenario: ss,
    target,
    figure: 'peak in flight at Vault',
    value: afterStorm.peakInFlight,
    unit: 'requests',
  });
  report.add({
    scenario: ss,
    target,
    figure: 'Vault requests (logins + reads)',
    value: afterStorm.requests,
    unit: 'requests',
  });
  report.add({
    scenario: ss,
    target,
    figure: 'credentials minted',
    value: afterStorm.credentialsMinted,
    unit: 'credentials',
  });
  const peak = Math.max(peakRss, memory.peak);
  report.add({
    scenario: ss,
    target,
    figure: `peak RSS (after the throughput phase)`,
    value: peak,
    unit: 'MB',
    ...(goals ? { goal: atMost(110) } : {}),
  });

  // Steady republish: the storm's pods, all republishing, round after round.
  await c.resetStats();
  const steady = await cpuOf(p, async () => {
    for (let round = 0; round < sizes.rounds; round += 1) await mountAll(p, stormPods, stormPods.length);
  });
  const republishes = sizes.pods * sizes.rounds;
  const counted = await c.stats();
  await c.setLatency(0);
  const rs = `steady republish: ${sizes.pods} pods, ${sizes.rounds} rounds`;
  report.add({
    scenario: rs,
    target,
    figure: 'provider CPU per republish',
    value: steady.cpuMs / republishes,
    unit: 'ms',
  });
  report.add({
    scenario: rs,
    target,
    figure: 'Vault reads per republish',
    value: counted.reads / republishes,
    unit: 'requests',
    ...(goals ? { goal: atMost(KV_READS_PER_MOUNT) } : {}),
  });
  report.add({
    scenario: rs,
    target,
    figure: 'logins',
    value: counted.logins,
    unit: 'logins',
    ...(goals ? { goal: atMost(0) } : {}),
  });
  report.add({
    scenario: rs,
    target,
    figure: 'credentials minted',
    value: counted.credentialsMinted,
    unit: 'credentials',
    ...(goals ? { goal: atMost(0) } : {}),
  });
}
