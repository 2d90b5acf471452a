/**
 * Latency of one pod's Mount with Vault 5 ms away, for 1, 5 and 20 objects, against the floor: the
 * same reads made concurrently by a bare undici client holding a token. Every provider of the run
 * is started at once and each round calls each of them and the bare client in turn (the order
 * rotating), so a noisy neighbour on the machine slows all of them alike and the ratios hold.
 * The Mount is timed as kubelet waits on it: the gRPC call with a prepared request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { MountRequest } from '../../src/generated/v1alpha1/MountRequest.js';
import { kvObjects, LATENCY_MS, spcOf, type BenchContext, type RunningProvider } from '../context.js';
import { atMost, percentile } from '../stats.js';
import type { Target } from '../targets.js';

const COUNTS = [1, 5, 20] as const;
const WARM_UP_ROUNDS = 3;
/**
 * With the Go provider in the run, rounds start at least this far apart, and there are at most
 * GO_LATENCY_RUNS of them. It reads its HMAC key Secret from the API server on every Mount, through
 * client-go's default limiter (5 requests/s, burst 10): back to back, or 210 ms apart, its Mounts
 * of 5 and 20 objects took ~0.4 s each (the limiter, not Vault); 420 ms apart they measure its own
 * latency. Every provider is timed at this pace alike; the storm and throughput scenarios show the
 * limiter.
 */
const GO_ROUND_SPACING_MS = 420;
const GO_LATENCY_RUNS = 100;

export async function latencyScenario(c: BenchContext, targets: readonly Target[]): Promise<void> {
  const providers: RunningProvider[] = [];
  const bare = await BareClient.login(c);
  try {
    for (const target of targets) providers.push(await c.start(target));
    await c.setLatency(LATENCY_MS);
    for (const count of COUNTS) await compare(c, providers, bare, count);
  } finally {
    await c.setLatency(0);
    await bare.close();
    for (const provider of providers) await provider.stop();
  }
}

async function compare(
  c: BenchContext,
  providers: readonly RunningProvider[],
  bare: BareClient,
  count: number,
): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `p${i + 1}`);
  const spc = spcOf(kvObjects(names));
  const requests: MountRequest[] = [];
  for (const provider of providers) requests.push(await provider.request(c.pod(), spc));
  const timings = providers.map(() => [] as number[]);
  const bareTimings: number[] = [];
  const calls: (() => Promise<number>)[] = [
    ...providers.map((provider, i) => () => timed(() => provider.mount(requests[i]!))),
    () => timed(() => bare.read(names)),
  ];
  const withGo = providers.some((provider) => provider.target.kind === 'go');
  const spacingMs = withGo ? GO_ROUND_SPACING_MS : 0;
  const runs = withGo ? Math.min(GO_LATENCY_RUNS, c.sizes.latencyRuns) : c.sizes.latencyRuns;
  let lastRoundStarted = Number.NEGATIVE_INFINITY;
  for (let round = 0; round < WARM_UP_ROUNDS + runs; round += 1) {
    await sleep(Math.max(0, spacingMs - (performance.now() - lastRoundStarted)));
    lastRoundStarted = performance.now();
    for (let k = 0; k < calls.length; k += 1) {
      const index = (round + k) % calls.length;
      const ms = await (calls[index] as () => Promise<number>)();
      if (round < WARM_UP_ROUNDS) continue; // logins, connections, first compilations
      (index < providers.length ? timings[index]! : bareTimings).push(ms);
    }
  }
  const scenario = `latency: 1 pod, ${count} object${count === 1 ? '' : 's'}, 5 ms Vault, ${runs} Mounts${withGo ? ` ${GO_ROUND_SPACING_MS} ms apart` : ''}`;
  const bareP50 = percentile(bareTimings, 50);
  c.report.add({ scenario, figure: 'bare undici client p50', value: bareP50, unit: 'ms' });
  const go = providers.findIndex((provider) => provider.target.kind === 'go');
  providers.forEach((provider, i) => {
    const mine = timings[i]!;
    const target = provider.target.name;
    const goals = provider.target.current;
    c.report.add({ scenario, target, figure: 'Mount p50', value: percentile(mine, 50), unit: 'ms' });
    c.report.add({ scenario, target, figure: 'Mount p99', value: percentile(mine, 99), unit: 'ms' });
    c.report.add({
      scenario,
      target,
      figure: 'Mount p50 / bare p50',
      value: percentile(mine, 50) / bareP50,
      unit: 'x',
      ...(goals && count === 20 ? { goal: atMost(1.3) } : {}),
    });
    if (go >= 0 && i !== go) {
      c.report.add({
        scenario,
        target,
        figure: 'Mount p50 / Go provider p50',
        value: percentile(mine, 50) / percentile(timings[go]!, 50),
        unit: 'x',
        ...(goals && count === 1 ? { goal: atMost(1) } : {}),
      });
    }
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The same reads with a bare undici client and a cached token: the floor for a Mount. */
class BareClient {
  private constructor(
    private readonly address: string,
    private readonly token: string,
    private readonly agent: Agent,
  ) {}

  static async login(c: BenchContext): Promise<BareClient> {
    const agent = new Agent({ connections: 64 });
    const pod = c.pod();
    const { token: jwt } = await c.issuer.sign({
      namespace: pod.namespace,
      serviceAccountName: pod.serviceAccountName,
      podName: pod.name,
      podUid: pod.uid,
      audiences: ['vault'],
    });
    const login = await request(`${c.vault.address}/v1/auth/kubernetes/login`, {
      method: 'POST',
      body: JSON.stringify({ role: 'bench', jwt }),
      dispatcher: agent,
    });
    const token = ((await login.body.json()) as { auth: { client_token: string } }).auth.client_token;
    return new BareClient(c.vault.address, token, agent);
  }

  async read(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const response = await request(`${this.address}/v1/secret/data/bench/${name}`, {
          headers: { 'x-vault-token': this.token },
          dispatcher: this.agent,
        });
        await response.body.json();
      }),
    );
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
