/**
 * The benchmark's command line (`npm run bench -- …`): which providers run side by side, how big
 * each scenario is, and which scenarios run. Figures are ratios measured in one run, so the
 * providers compared are started by the same run (docs/benchmarks.md).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface BenchOptions {
  /** Each scenario tiny: CI checks that the benchmark works, not how fast it is. */
  readonly smoke: boolean;
  /** Node binaries to run this provider on (`--node=PATH`, repeatable); default the one running the bench. */
  readonly nodes: readonly string[];
  /** hashicorp/vault-csi-provider built from source (`--go=PATH`), measured beside ours. */
  readonly goProvider?: string;
  /**
   * A checkout built before the sandbox (`--before-sandbox=DIR`, DIR/dist/main.js), run on the
   * first Node: the CPU of a plain Mount is compared with it (issue 10).
   */
  readonly beforeSandbox?: string;
  /** Only these scenarios (`--only=startup,load`); all when absent. */
  readonly only?: ReadonlySet<string>;
  /** Length of the throughput phase before the storm (`--throughput-seconds=N`). */
  readonly throughputSeconds: number;
}

export const SCENARIOS = ['startup', 'load', 'latency', 'sandbox', 'refresh'] as const;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const values = (name: string) =>
    argv.filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3));
  const single = (name: string) => values(name).at(-1);
  const smoke = argv.includes('--smoke');
  const nodes = values('node').map((path) => resolve(path));
  for (const path of nodes) if (!existsSync(path)) throw new Error(`--node=${path}: no such file`);
  const goProvider = single('go');
  if (goProvider !== undefined && !existsSync(goProvider)) throw new Error(`--go=${goProvider}: no such file`);
  const beforeSandbox = single('before-sandbox');
  if (beforeSandbox !== undefined && !existsSync(resolve(beforeSandbox, 'dist/main.js'))) {
    throw new Error(`--before-sandbox=${beforeSandbox}: no dist/main.js there (build that checkout first)`);
  }
  const only = single('only');
  const unknown = only?.split(',').filter((name) => !(SCENARIOS as readonly string[]).includes(name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const seconds = Number(single('throughput-seconds') ?? (smoke ? 1 : 60));
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--throughput-seconds must be a positive number');
  return {
    smoke,
    nodes: nodes.length > 0 ? nodes : [process.execPath],
    ...(goProvider === undefined ? {} : { goProvider: resolve(goProvider) }),
    ...(beforeSandbox === undefined ? {} : { beforeSandbox: resolve(beforeSandbox) }),
    ...(only === undefined ? {} : { only: new Set(only.split(',')) }),
    throughputSeconds: seconds,
  };
}
