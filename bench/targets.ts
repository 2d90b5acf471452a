/**
 * The providers a run compares: this provider as built (`dist/main.js`, what the image runs) on
 * each Node given, the same before the sandbox (`--before-sandbox`), and hashicorp/vault-csi-provider
 * (`--go`). Each knows how to start on a socket; all talk to the same dev Vault, at info level.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.js';
import type { GoProviderCluster } from './go-provider.js';
import type { LaunchSpec } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Target {
  /** Column name in the table, e.g. `ts@node20`, `go`, `ts-before-sandbox@node20`. */
  readonly name: string;
  readonly kind: 'ts' | 'go';
  /** This provider as it is now (the goals apply to it). */
  readonly current: boolean;
  /** `extraArgs` are this provider's flags; the Go provider takes none. */
  launchSpec(socketPath: string, healthPort: number, vaultAddress: string, extraArgs: readonly string[]): LaunchSpec;
}

const BENCH_ENV_ARGS = (process.env.BENCH_PROVIDER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

/**
 * The Node flags the image runs the provider with: those between `node` and `main.js` in the
 * Dockerfile's ENTRYPOINT, so the benchmark measures what ships (one home for them).
 */
export function imageNodeFlags(dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')): string[] {
  const line = dockerfile.split('\n').find((text) => text.startsWith('ENTRYPOINT '));
  if (line === undefined) throw new Error('Dockerfile: no ENTRYPOINT line');
  const entrypoint = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  const main = entrypoint.findIndex((arg) => arg.endsWith('/main.js'));
  if (main < 1) throw new Error('Dockerfile: ENTRYPOINT does not run main.js with node');
  return entrypoint.slice(1, main);
}

export function nodeMajor(node: string): string {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  return version.replace(/^v(\d+)\..*$/, '$1');
}

/** Whether the image fills Node's module compile cache at build time (`ENV NODE_COMPILE_CACHE` in the Dockerfile). */
export function imageUsesCompileCache(dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')): boolean {
  return dockerfile.split('\n').some((text) => text.startsWith('ENV NODE_COMPILE_CACHE='));
}

/**
 * As the image does: a compile cache filled by running `version` once with this Node and these
 * flags, before any measured start. Nodes without the cache (20) ignore the variable.
 */
function warmCompileCache(node: string, nodeFlags: readonly string[], main: string): Record<string, string> {
  if (!imageUsesCompileCache()) return {};
  const directory = mkdtempSync(join(tmpdir(), 'vcp-bench-compile-cache-'));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const env = { NODE_COMPILE_CACHE: directory };
  execFileSync(node, [...nodeFlags, main, 'version'], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
    timeout: 30_000,
  });
  return env;
}

function tsTarget(name: string, node: string, main: string, current: boolean): Target {
  // The build before the sandbox too: the comparison is of the code, under the same flags.
  const nodeFlags = imageNodeFlags();
  // An older build may have no `version` command (it would start serving): it runs uncached.
  const env = current ? warmCompileCache(node, nodeFlags, main) : {};
  return {
    name,
    kind: 'ts',
    current,
    launchSpec: (socketPath, healthPort, vaultAddress, extraArgs) => ({
      command: node,
      // BENCH_PROVIDER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the provider.
      args: [
        ...nodeFlags,
        ...BENCH_ENV_ARGS,
        main,
        `-endpoint=${socketPath}`,
        `-vault-addr=${vaultAddress}`,
        `-health-addr=127.0.0.1:${healthPort}`,
        '-hmac-key-source=random',
        '-log-level=info',
        ...extraArgs,
      ],
      env,
    }),
  };
}

export function benchTargets(options: BenchOptions, goCluster: GoProviderCluster | undefined): Target[] {
  const main = join(root, 'dist/main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const targets = options.nodes.map((node) => tsTarget(`ts@node${nodeMajor(node)}`, node, main, true));
  const first = options.nodes[0] ?? process.execPath;
  if (options.beforeSandbox !== undefined) {
    targets.push(
      tsTarget(`before-sandbox@node${nodeMajor(first)}`, first, join(options.beforeSandbox, 'dist/main.js'), false),
    );
  }
  if (goCluster !== undefined) {
    targets.push({
      name: 'go',
      kind: 'go',
      current: false,
      launchSpec: (socketPath, healthPort, vaultAddress) => goCluster.launchSpec(socketPath, healthPort, vaultAddress),
    });
  }
  return targets;
}
