/**
 * Start-up and idle: each provider started several times with no Mount; the time from spawn to
 * its socket (wall and CPU), its own account of where the time went (node bootstrap, loading the
 * code, wiring), and its resident memory at the socket and a few seconds later, idle. A bare
 * Node process opening a socket is timed the same way, as the floor of what Node costs.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { launch, memoryMb, type LaunchedProcess } from '../processes.js';
import { atMost, median } from '../stats.js';
import type { Target } from '../targets.js';

const BARE_NODE = "require('node:net').createServer().listen(process.argv[1])";

export async function startupScenario(c: BenchContext, targets: readonly Target[]): Promise<void> {
  const scenario = 'start-up and idle';
  for (const target of targets) {
    const launches: LaunchedProcess[] = [];
    let idleRss = Number.NaN;
    for (let run = 0; run < c.sizes.startups; run += 1) {
      const socketPath = join(c.dir, `startup-${target.name}-${run}.sock`);
      const launched = await launch(target.launchSpec(socketPath, 0, c.vault.address, []), socketPath);
      launches.push(launched);
      if (run === c.sizes.startups - 1) {
        await sleep(c.sizes.idleWaitMs);
        idleRss = (await memoryMb(launched.pid)).rss;
      }
      await launched.stop();
    }
    const goal = target.current;
    c.report.add({
      scenario,
      target: target.name,
      figure: 'exec to socket (wall, median)',
      value: median(launches.map((l) => l.toSocketMs)),
      unit: 'ms',
      ...(goal ? { goal: atMost(150) } : {}),
    });
    c.report.add({
      scenario,
      target: target.name,
      figure: 'CPU until the socket (median)',
      value: median(launches.map((l) => l.cpuToSocketMs)),
      unit: 'ms',
    });
    const lines = launches.flatMap((l) => {
      const line = l.startup();
      return line === undefined ? [] : [line];
    });
    if (lines.length > 0) {
      for (const phase of ['nodeBootstrapMs', 'modulesMs', 'wiringMs', 'totalMs'] as const) {
        c.report.add({
          scenario,
          target: target.name,
          figure: `start-up line: ${phase} (median)`,
          value: median(lines.map((line) => line[phase])),
          unit: 'ms',
        });
      }
    }
    c.report.add({
      scenario,
      target: target.name,
      figure: 'RSS at the socket (median)',
      value: median(launches.map((l) => l.rssAtSocketMb)),
      unit: 'MB',
    });
    c.report.add({
      scenario,
      target: target.name,
      figure: `RSS idle, ${c.sizes.idleWaitMs / 1000} s after start`,
      value: idleRss,
      unit: 'MB',
      ...(goal ? { goal: atMost(65) } : {}),
    });
    if (target.kind === 'ts') await bareNode(c, target);
  }
}

/** A bare Node process on the same binary: the floor of exec to socket. */
async function bareNode(c: BenchContext, target: Target): Promise<void> {
  const spec = target.launchSpec('', 0, '', []);
  const times: number[] = [];
  for (let run = 0; run < c.sizes.startups; run += 1) {
    const socketPath = join(c.dir, `bare-${target.name}-${run}.sock`);
    const launched = await launch({ command: spec.command, args: ['-e', BARE_NODE, socketPath] }, socketPath);
    times.push(launched.toSocketMs);
    await launched.stop();
  }
  c.report.add({
    scenario: 'start-up and idle',
    target: target.name,
    figure: 'bare Node: exec to socket (median)',
    value: median(times),
    unit: 'ms',
  });
}
