/**
 * What the sandbox (src/sandbox/, issue 10) costs and what it protects:
 * - the CPU it adds per object: the same five secrets as plain objects and as template objects
 *   rendering the same bytes, in alternating batches on one provider, and the memory its
 *   workers take when the first template arrives (they start lazily);
 * - the event loop while one pod's Mounts burn the sandbox with heavy templates and another pod
 *   mounts: the provider's own event-loop delay histogram, /health/live and the bystander's
 *   Mount latency, each against the same provider before the attack;
 * - with `--before-sandbox`, the CPU of a plain Mount against the build before the sandbox, in
 *   alternating batches (goal: within 5 %).
 */
import { request } from 'undici';
import type { MountRequest } from '../../src/generated/v1alpha1/MountRequest.js';
import { cpuOf, kvObjects, LATENCY_MS, mountAll, spcOf, type BenchContext, type RunningProvider } from '../context.js';
import { atMost, percentile } from '../stats.js';
import type { Target } from '../targets.js';

const NAMES = ['s1', 's2', 's3', 's4', 's5'];
const PLAIN = spcOf(kvObjects(NAMES));
/** The same files as PLAIN, each rendered by a template in the sandbox. */
const TEMPLATED = spcOf(
  NAMES.map(
    (name) =>
      `- {objectName: ${name}, template: ${JSON.stringify(`{{ with secret "secret/data/bench/${name}" }}{{ .Data.data.value }}{{ end }}`)}}`,
  ).join('\n'),
);
/** Each of its objects takes a worker for a long time within the engine's step budget (test/security). */
const HEAVY_TEMPLATE = '{{ $s := printf "%1000000s" "" }}{{ range $i := 5 }}{{ urlquery $s | len }}{{ end }}';
const ATTACK = spcOf(
  Array.from({ length: 4 }, (_, i) => `- {objectName: t${i}, template: ${JSON.stringify(HEAVY_TEMPLATE)}}`).join('\n'),
);
const ATTACKERS = 4;
const PODS = 8;

export async function sandboxScenario(c: BenchContext, targets: readonly Target[]): Promise<void> {
  const current = targets.filter((target) => target.kind === 'ts' && target.current);
  await c.each(current, async (p) => {
    await addedCpu(c, p);
  });
  await c.each(current, async (p) => {
    await underAttack(c, p);
  });
  const before = targets.find((target) => target.kind === 'ts' && !target.current);
  const mine = current[0];
  if (before !== undefined && mine !== undefined) await againstBeforeSandbox(c, mine, before);
}

async function requestsFor(
  c: BenchContext,
  p: RunningProvider,
  spc: typeof PLAIN,
  pods = PODS,
): Promise<MountRequest[]> {
  return Promise.all(Array.from({ length: pods }, () => p.request(c.pod(), spc)));
}

/** `count` Mounts cycling through `requests`, 8 at a time; the provider's CPU for them. */
async function batchCpu(p: RunningProvider, requests: readonly MountRequest[], count: number): Promise<number> {
  const batch = Array.from({ length: count }, (_, i) => requests[i % requests.length]!);
  return (await cpuOf(p, () => mountAll(p, batch, 8))).cpuMs;
}

async function addedCpu(c: BenchContext, p: RunningProvider): Promise<void> {
  const target = p.target.name;
  const scenario = 'sandbox: 5 template objects vs the same 5 plain objects, 0 ms Vault';
  await c.setLatency(0);
  const plain = await requestsFor(c, p, PLAIN);
  const templated = await requestsFor(c, p, TEMPLATED);
  await mountAll(p, plain, 8);
  const beforeWorkers = (await p.memoryMb()).rss;
  const firstStarted = performance.now();
  await p.mount(templated[0]!);
  const firstMs = performance.now() - firstStarted;
  await mountAll(p, templated, 8);
  const afterWorkers = (await p.memoryMb()).rss;
  let plainCpu = 0;
  let templatedCpu = 0;
  for (let batch = 0; batch < c.sizes.batches; batch += 1) {
    plainCpu += await batchCpu(p, plain, c.sizes.batchMounts);
    templatedCpu += await batchCpu(p, templated, c.sizes.batchMounts);
  }
  const mounts = c.sizes.batches * c.sizes.batchMounts;
  c.report.add({ scenario, target, figure: 'CPU per plain Mount', value: plainCpu / mounts, unit: 'ms' });
  c.report.add({ scenario, target, figure: 'CPU per template Mount', value: templatedCpu / mounts, unit: 'ms' });
  c.report.add({
    scenario,
    target,
    figure: 'CPU the sandbox adds per object',
    value: (templatedCpu - plainCpu) / mounts / NAMES.length,
    unit: 'ms',
  });
  c.report.add({ scenario, target, figure: 'first template Mount (workers start)', value: firstMs, unit: 'ms' });
  c.report.add({
    scenario,
    target,
    figure: 'RSS the started workers add',
    value: afterWorkers - beforeWorkers,
    unit: 'MB',
  });
}

async function underAttack(c: BenchContext, p: RunningProvider): Promise<void> {
  const target = p.target.name;
  const scenario = `sandbox: ${ATTACKERS} Mounts of heavy templates at a time vs a bystander, 5 ms Vault`;
  await c.setLatency(LATENCY_MS);
  const bystander = (await requestsFor(c, p, PLAIN, 1))[0]!;
  const attacks = await requestsFor(c, p, ATTACK, ATTACKERS);
  await p.mount(bystander);
  const mounts = c.sizes.latencyRuns;

  const measure = async (attacking: boolean) => {
    const before = await eventLoopBuckets(p);
    const live: number[] = [];
    const bystanderMs: number[] = [];
    const state = { running: true };
    const attackers = attacking
      ? attacks.map(async (attack) => {
          while (state.running) await p.mount(attack).catch(() => undefined);
        })
      : [];
    const prober = (async () => {
      while (state.running) {
        const started = performance.now();
        const response = await request(`${p.healthUrl}/health/live`);
        await response.body.dump();
        live.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for (let i = 0; i < mounts; i += 1) {
      const started = performance.now();
      await p.mount(bystander);
      bystanderMs.push(performance.now() - started);
    }
    state.running = false;
    await Promise.all([...attackers, prober]);
    const after = await eventLoopBuckets(p);
    return { bystanderMs, live, delayP99: bucketPercentile(before, after, 0.99) };
  };

  const quiet = await measure(false);
  const attacked = await measure(true);
  await c.setLatency(0);
  const rows: [string, number, number, string][] = [
    ['bystander Mount p50', percentile(quiet.bystanderMs, 50), percentile(attacked.bystanderMs, 50), 'ms'],
    ['bystander Mount p99', percentile(quiet.bystanderMs, 99), percentile(attacked.bystanderMs, 99), 'ms'],
    ['/health/live p99', percentile(quiet.live, 99), percentile(attacked.live, 99), 'ms'],
    ['event-loop delay p99 (histogram bucket bound)', quiet.delayP99 * 1000, attacked.delayP99 * 1000, 'ms'],
  ];
  for (const [figure, calm, busy, unit] of rows) {
    c.report.add({ scenario, target, figure: `${figure}, quiet`, value: calm, unit });
    c.report.add({ scenario, target, figure: `${figure}, under attack`, value: busy, unit });
  }
  c.report.add({
    scenario,
    target,
    figure: 'bystander Mount p50 under attack / quiet',
    value: percentile(attacked.bystanderMs, 50) / percentile(quiet.bystanderMs, 50),
    unit: 'x',
  });
}

async function againstBeforeSandbox(c: BenchContext, mine: Target, before: Target): Promise<void> {
  const scenario = 'plain Mounts: this build vs the build before the sandbox, alternating batches, 0 ms Vault';
  await c.setLatency(0);
  const now = await c.start(mine);
  const then = await c.start(before);
  try {
    const nowRequests = await requestsFor(c, now, PLAIN);
    const thenRequests = await requestsFor(c, then, PLAIN);
    await mountAll(now, nowRequests, 8);
    await mountAll(then, thenRequests, 8);
    let nowCpu = 0;
    let thenCpu = 0;
    for (let batch = 0; batch < c.sizes.batches; batch += 1) {
      nowCpu += await batchCpu(now, nowRequests, c.sizes.batchMounts);
      thenCpu += await batchCpu(then, thenRequests, c.sizes.batchMounts);
    }
    const mounts = c.sizes.batches * c.sizes.batchMounts;
    c.report.add({
      scenario,
      target: mine.name,
      figure: 'CPU per plain 5-object Mount',
      value: nowCpu / mounts,
      unit: 'ms',
    });
    c.report.add({
      scenario,
      target: before.name,
      figure: 'CPU per plain 5-object Mount',
      value: thenCpu / mounts,
      unit: 'ms',
    });
    c.report.add({
      scenario,
      target: mine.name,
      figure: 'CPU per plain Mount / before the sandbox',
      value: nowCpu / thenCpu,
      unit: 'x',
      goal: atMost(1.05),
    });
  } finally {
    await now.stop();
    await then.stop();
  }
}

/** Cumulative counts of the provider's event-loop delay histogram by bucket bound (seconds). */
async function eventLoopBuckets(p: RunningProvider): Promise<Map<number, number>> {
  const response = await request(`${p.healthUrl}/metrics`);
  const text = await response.body.text();
  const buckets = new Map<number, number>();
  const pattern = /^vault_csi_provider_event_loop_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/gm;
  for (const match of text.matchAll(pattern)) {
    buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/** The smallest bucket bound holding `share` of the samples taken between two scrapes. */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, share: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= share * total) return bound;
  }
  return Number.POSITIVE_INFINITY;
}
