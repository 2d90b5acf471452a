/**
 * The provider as it ships: the BUILT `dist/main.js`, a child process with its own flags and a
 * clean environment, serving a Unix socket the driver emulator dials. `inCluster` runs it as in
 * a pod: KUBERNETES_SERVICE_HOST/PORT set and the service-account files at the in-cluster path,
 * bind-mounted in a private mount namespace (`unshare`) so nothing on the machine changes.
 * A stale or missing build is rebuilt once before the first start (test/support/built-provider.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBuiltProvider, PROVIDER_MAIN } from '../../support/built-provider.js';
import { startProcess, tail, type RunningProcess } from '../../support/child-process.js';
import { withInClusterFiles } from '../../support/in-cluster-files.js';

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

async function writeServiceAccountFiles(dir: string, identity: InClusterIdentity): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), identity.caPem);
  await writeFile(join(dir, 'token'), identity.token, { mode: 0o600 });
  await writeFile(join(dir, 'namespace'), identity.namespace);
}

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
    ({ command, args: argv } = withInClusterFiles(serviceAccountDir, process.execPath, providerArgs));
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
