/**
 * The provider as it ships: the BUILT `dist/main.js`, a child process with its own flags and a
 * clean environment, serving a Unix socket the driver emulator dials. `inCluster` runs it as in
 * a pod: KUBERNETES_SERVICE_HOST/PORT set and the service-account files at the in-cluster path,
 * bind-mounted in a private mount namespace (`unshare`) so nothing on the machine changes.
 * A stale or missing build is rebuilt once (`npm run build`) before the first start.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO_ROOT } from './binaries.js';
import { startProcess, tail, type RunningProcess } from './child-process.js';

export const PROVIDER_MAIN = join(REPO_ROOT, 'dist', 'main.js');

export interface InClusterIdentity {
  /** `KUBERNETES_SERVICE_HOST` and `_PORT` of an HTTPS API server. */
  readonly host: string;
  readonly port: number;
  readonly caPem: string;
  /** The provider's own service-account token. */
  readonly token: string;
  /** The provider's namespace. */
  readonly namespace: string;
}

export interface ProviderProcessOptions {
  /** A directory of the test's: the socket and the service-account files go here. */
  readonly dir: string;
  /** Flags after `-endpoint`, `-health-addr` and `-log-level`. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly inCluster?: InClusterIdentity;
}

export interface ProviderProcess {
  readonly socketPath: string;
  /** The log lines of the current process, parsed (pino JSON). */
  logs(): Record<string, unknown>[];
  /** Every raw output line since the first start, across restarts. */
  readonly output: string[];
  readonly process: RunningProcess;
  /** SIGTERM (a clean shutdown), then the same command again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent(): boolean {
  return existsSync(PROVIDER_MAIN) && statSync(PROVIDER_MAIN).mtimeMs >= newestMtimeMs(join(REPO_ROOT, 'src'));
}

/**
 * Builds `dist/` when it is missing or older than `src/`. Test files run in parallel processes,
 * so a lock directory lets one build while the others wait for it.
 */
export async function ensureBuiltProvider(): Promise<void> {
  if (buildIsCurrent()) return;
  const lock = join(tmpdir(), `vcp-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for another build (lock ${lock})`);
      await sleep(250);
    }
  }
  try {
    if (buildIsCurrent()) return;
    try {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT });
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      throw new Error(
        `dist/main.js is missing or older than src/, and \`npm run build\` failed:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
        { cause: error },
      );
    }
  } finally {
    await rmdir(lock);
  }
}

async function writeServiceAccountFiles(dir: string, identity: InClusterIdentity): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), identity.caPem);
  await writeFile(join(dir, 'token'), identity.token, { mode: 0o600 });
  await writeFile(join(dir, 'namespace'), identity.namespace);
}

// What kubelet's projected volume does for a pod: the files appear at the in-cluster path. A
// tmpfs over /run (the target of /var/run) keeps the machine's own /run out of it.
const POD_MOUNT_SCRIPT = [
  'set -e',
  'mount -t tmpfs -o mode=0755 tmpfs /run',
  'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
  'mount --bind "$0" /run/secrets/kubernetes.io/serviceaccount',
  'exec "$@"',
].join('\n');

export async function startProviderProcess(options: ProviderProcessOptions): Promise<ProviderProcess> {
  await ensureBuiltProvider();
  const socketPath = join(options.dir, 'vault.sock');
  const providerArgs = [
    PROVIDER_MAIN,
    `-endpoint=${socketPath}`,
    '-health-addr=127.0.0.1:0',
    '-log-level=debug',
    ...options.args,
  ];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env };
  let command = process.execPath;
  let argv = providerArgs;
  if (options.inCluster !== undefined) {
    const serviceAccountDir = join(options.dir, 'serviceaccount');
    await writeServiceAccountFiles(serviceAccountDir, options.inCluster);
    env.KUBERNETES_SERVICE_HOST = options.inCluster.host;
    env.KUBERNETES_SERVICE_PORT = String(options.inCluster.port);
    const asRoot = process.getuid?.() === 0;
    command = 'unshare';
    argv = [
      ...(asRoot ? [] : ['--user', '--map-root-user']),
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      POD_MOUNT_SCRIPT,
      serviceAccountDir,
      process.execPath,
      ...providerArgs,
    ];
  }
  const output: string[] = [];
  const start = async (): Promise<RunningProcess> => {
    const running = startProcess('provider', command, argv, { cwd: options.dir, env });
    running.child.stdout?.on('data', (chunk: Buffer) =>
      output.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
    );
    await running.waitForLine(/"msg":"serving the CSI driver"/, 30_000);
    return running;
  };
  let current = await start();
  return {
    socketPath,
    output,
    get process() {
      return current;
    },
    logs() {
      return current.output.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    },
    async restart() {
      await current.stop();
      const code = await current.exited;
      if (code !== 0) throw new Error(`the provider exited with ${String(code)} on SIGTERM:\n${tail(current.output)}`);
      current = await start();
    },
    async stop() {
      await current.stop();
      await rm(socketPath, { force: true });
    },
  };
}
