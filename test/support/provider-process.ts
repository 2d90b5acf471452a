/**
 * The BUILT provider (`dist/main.js`, what the image runs) as a child process, for tests that
 * must see the process as the node sees it: that it survives, its resident memory from /proc,
 * and how fast its health endpoint answers while another pod's work runs. A stale or missing
 * build is rebuilt first (built-provider.ts). Lives per test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { request } from 'undici';
import { ensureBuiltProvider, PROVIDER_MAIN } from './built-provider.js';

export interface ProviderProcess {
  readonly child: ChildProcess;
  readonly socketPath: string;
  /** `http://127.0.0.1:<port>` of /health and /metrics. */
  readonly healthUrl: string;
  /** Every log line so far (JSON text). */
  readonly logs: string[];
  /** Resident memory now and at its peak (VmRSS, VmHWM), in bytes. */
  memory(): Promise<{ rssBytes: number; peakRssBytes: number }>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** GET a path of the health listener; resolves with the status. */
  get(path: string): Promise<number>;
  /** Samples of the provider's event-loop delay histogram: in all, and those above `seconds`. */
  eventLoopDelays(seconds: number): Promise<{ total: number; above: number }>;
  stop(): Promise<void>;
}

export async function startProviderProcess(options: {
  socketPath: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
}): Promise<ProviderProcess> {
  await ensureBuiltProvider();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [PROVIDER_MAIN, `-endpoint=${options.socketPath}`, `-health-addr=127.0.0.1:${port}`, ...options.args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  const logs: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines.filter((line) => line !== ''));
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit');
  for (let waited = 0; !logs.some((line) => line.includes('serving the CSI driver')); waited += 25) {
    if (child.exitCode !== null || child.signalCode !== null || waited > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`the provider did not start (exit ${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const healthUrl = `http://127.0.0.1:${port}`;
  return {
    child,
    socketPath: options.socketPath,
    healthUrl,
    logs,
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { rssBytes: kib('VmRSS') * 1024, peakRssBytes: kib('VmHWM') * 1024 };
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async get(path) {
      const response = await request(`${healthUrl}${path}`);
      await response.body.dump();
      return response.statusCode;
    },
    async eventLoopDelays(seconds) {
      const response = await request(`${healthUrl}/metrics`);
      const text = await response.body.text();
      const bucket = (le: string) =>
        Number(
          new RegExp(`^vault_csi_provider_event_loop_delay_seconds_bucket\\{le="${le}"\\} (\\d+)`, 'm').exec(
            text,
          )?.[1] ?? NaN,
        );
      const total = bucket('\\+Inf');
      return { total, above: total - bucket(String(seconds)) };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
