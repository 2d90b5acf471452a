/**
 * Real servers (OpenBao, PostgreSQL, kube-apiserver, etcd) and the built provider run as child
 * processes of a test file: started with their output captured (for readiness lines and for the
 * failure message when they die), and stopped by their own pid, never by name. Each gets a
 * parent-death signal (`setpriv --pdeathsig`), so a test process that crashes or is killed leaves
 * no server behind. Ports are picked free at start, never fixed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  readonly output: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Waits until a line of output matches, failing early when the process exits. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** `signal` (SIGTERM by default), then SIGKILL after `graceMs`. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface StartOptions extends Omit<SpawnOptions, 'stdio'> {
  /** Sent to the process when the test process dies: its own clean-shutdown signal. */
  readonly deathSignal?: NodeJS.Signals;
  /** Run as `nobody` (when the test runs as root), in the same `setpriv` call. */
  readonly unprivileged?: boolean;
}

export function startProcess(name: string, command: string, args: readonly string[], options: StartOptions = {}) {
  const { deathSignal = 'SIGTERM', unprivileged = false, ...spawnOptions } = options;
  const drop = unprivileged && process.getuid?.() === 0 ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
  const child = spawn('setpriv', ['--pdeathsig', deathSignal, ...drop, command, ...args], {
    ...spawnOptions,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
    child.once('error', (error) => {
      output.push(`spawn failed: ${error.message}`);
      resolve('spawn-error');
      for (const listener of listeners) listener();
    });
  });
  const running: RunningProcess = {
    name,
    child,
    output,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (const line of output) {
            const match = line.match(pattern);
            if (match !== null) {
              done();
              resolve(match);
              return;
            }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${name} exited before printing ${String(pattern)}:\n${tail(output)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} did not print ${String(pattern)} within ${timeoutMs} ms:\n${tail(output)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return running;
}

/** The last lines of a process's output, for failure messages. */
export function tail(lines: readonly string[], count = 25): string {
  return lines.slice(-count).join('\n');
}

async function listenOn(port: number): Promise<ReturnType<typeof createServer> | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw error as Error;
      }),
    ]);
    return server;
  } catch {
    server.close();
    return undefined;
  }
}

/**
 * A free loopback port P whose neighbour P+1 is free too: OpenBao binds each listener's cluster
 * port at P+1. Another process may still take them before the server binds; callers retry.
 */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listenOn(0);
    if (first === undefined) continue;
    const port = (first.address() as AddressInfo).port;
    const second = port < 65_535 ? await listenOn(port + 1) : undefined;
    first.close();
    second?.close();
    if (second !== undefined) return port;
  }
  throw new Error('no pair of free loopback ports found');
}

export async function freePort(): Promise<number> {
  const server = await listenOn(0);
  if (server === undefined) throw new Error('no free loopback port');
  const port = (server.address() as AddressInfo).port;
  server.close();
  return port;
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(50);
  }
}

/**
 * What a set-up started, stopped in reverse order; used when the set-up fails half-way (so no
 * process is left behind) and as the `stop()` of what it built.
 */
export class Teardown {
  readonly #steps: (() => Promise<void>)[] = [];

  /** Awaits `start`; once it resolved, `stop(value)` is part of the teardown. */
  async add<T>(start: Promise<T>, stop: (value: T) => Promise<void>): Promise<T> {
    const value = await start;
    this.#steps.push(() => stop(value));
    return value;
  }

  async run(): Promise<void> {
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      await step().catch(() => undefined);
    }
  }
}

/** Like Promise.all, but rejects only after every promise settled (so each start registered its stop). */
export async function allSettled<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
