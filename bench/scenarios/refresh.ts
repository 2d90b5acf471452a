/**
 * The refresh interval (docs/refresh-interval.md): the storm's pods republishing round after round
 * with and without `refreshInterval` on their SecretProviderClass, on one provider. Without it
 * every republish reads each KV path from Vault (the database credential comes from the lease
 * cache either way); within the interval none does. The fleet figure scales the measured reads
 * per republish to 5,000 nodes of 110 pods republished every 75 s (kubelet's period).
 */
import type { MountRequest } from '../../src/generated/v1alpha1/MountRequest.js';
import { cpuOf, LATENCY_MS, mountAll, spcOf, type BenchContext, type RunningProvider } from '../context.js';
import { atMost } from '../stats.js';
import type { Target } from '../targets.js';
import { TYPICAL_OBJECTS } from './load.js';

const FLEET_PODS = 5_000 * 110;
const REPUBLISH_PERIOD_S = 75;

export async function refreshScenario(c: BenchContext, targets: readonly Target[]): Promise<void> {
  const current = targets.filter((target) => target.kind === 'ts' && target.current);
  await c.each(current, (p) => refresh(c, p));
}

async function refresh(c: BenchContext, p: RunningProvider): Promise<void> {
  const target = p.target.name;
  const scenario = `refresh interval: ${c.sizes.pods} pods × 5 objects, ${c.sizes.rounds} rounds of republish, 5 ms Vault`;
  await c.setLatency(LATENCY_MS);
  let readsWithout = Number.NaN;
  for (const [interval, seconds] of [
    [undefined, REPUBLISH_PERIOD_S],
    ['10m', 600],
  ] as const) {
    const spc = spcOf(TYPICAL_OBJECTS, interval === undefined ? {} : { refreshInterval: interval });
    const pods: MountRequest[] = await Promise.all(Array.from({ length: c.sizes.pods }, () => p.request(c.pod(), spc)));
    await mountAll(p, pods, pods.length);
    await c.resetStats();
    const { cpuMs } = await cpuOf(p, async () => {
      for (let round = 0; round < c.sizes.rounds; round += 1) await mountAll(p, pods, pods.length);
    });
    const republishes = pods.length * c.sizes.rounds;
    const reads = (await c.stats()).reads / republishes;
    if (interval === undefined) readsWithout = reads;
    const label = interval === undefined ? 'without refreshInterval' : `refreshInterval ${interval}`;
    c.report.add({
      scenario,
      target,
      figure: `Vault reads per republish, ${label}`,
      value: reads,
      unit: 'requests',
      ...(interval === undefined ? {} : { goal: atMost(0) }),
    });
    c.report.add({ scenario, target, figure: `CPU per republish, ${label}`, value: cpuMs / republishes, unit: 'ms' });
    c.report.add({
      scenario,
      target,
      // Within the interval a pod reads nothing; once per interval it reads what it reads without one.
      figure: `fleet: reads/s at Vault, 5,000 nodes × 110 pods republished every 75 s, ${label}`,
      value: (readsWithout * FLEET_PODS) / seconds,
      unit: '/s',
    });
  }
  await c.setLatency(0);
}
