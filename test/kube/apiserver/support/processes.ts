/**
 * The kube tier's servers run as child processes of a test file: output captured for the failure
 * message when they die, stopped by their own pid (never by name), on ports picked free at start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr lines, the last few hundred. */
  readonly output: string[];
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const KEPT_LINES = 400;

export function startServerProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    output.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => {
      output.push(`spawn failed: ${error.message}`);
      resolve('spawn-error');
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    name,
    child,
    output,
    exited,
    hasExited: () => ended,
    async stop(graceMs = 10_000) {
      if (ended || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a process's output, for failure messages. */
export function tail(lines: readonly string[], count = 30): string {
  return lines.slice(-count).join('\n');
}

/** A free loopback port; the server binds it a moment later (callers of a lost race retry). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls `probe` until it returns true; fails naming `what`, or at once when `process` died. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs?: number; process?: ServerProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (options.process?.hasExited() === true) {
      throw new Error(`${options.process.name} exited while waiting for ${what}:\n${tail(options.process.output)}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      const output = options.process === undefined ? '' : `:\n${tail(options.process.output)}`;
      throw new Error(`timed out waiting for ${what}${output}`);
    }
    await sleep(100);
  }
}
