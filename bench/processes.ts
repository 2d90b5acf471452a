/**
 * The benchmark's child processes (dev Vault, the providers under test) and what it measures of
 * them from outside: CPU time and resident memory from /proc/<pid>/stat and /proc/<pid>/status,
 * the time from spawn to the socket, and the provider's own start-up line (`"msg":"started"`).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { VaultCommand } from './vault-process.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface VaultProcess {
  readonly address: string;
  readonly child: ChildProcess;
  call<T>(command: VaultCommand): Promise<T>;
  stop(): Promise<void>;
}

export async function startVaultProcess(): Promise<VaultProcess> {
  const child = fork(fileURLToPath(new URL('vault-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: unknown) => void>();
  let nextId = 1;
  child.on('message', (message: { id: number; reply: unknown }) => {
    pending.get(message.id)?.(message.reply);
    pending.delete(message.id);
  });
  const ready = new Promise<{ address: string }>((resolve) => pending.set(0, resolve as (reply: unknown) => void));
  const { address } = await ready;
  return {
    address,
    child,
    call: <T>(command: VaultCommand) =>
      new Promise<T>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve as (reply: unknown) => void);
        child.send({ ...command, id });
      }),
    stop: () => stopChild(child),
  };
}

/** How to run one provider: the command line around its socket and health address. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** Where the time from exec to serving went, as the provider logs it (src/main.ts). */
export interface StartupLine {
  readonly nodeBootstrapMs: number;
  readonly modulesMs: number;
  readonly wiringMs: number;
  readonly totalMs: number;
}

export interface LaunchedProcess {
  readonly pid: number;
  /** Wall time from spawn to the socket file. */
  readonly toSocketMs: number;
  /** CPU the process had used when its socket appeared. */
  readonly cpuToSocketMs: number;
  /** Resident memory when its socket appeared. */
  readonly rssAtSocketMb: number;
  /** The provider's own start-up line, once logged (this provider only). */
  startup(): StartupLine | undefined;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts a provider and resolves when its socket exists. Its log lines are read and dropped. */
export async function launch(spec: LaunchSpec, socketPath: string): Promise<LaunchedProcess> {
  const started = performance.now();
  const child = spawn(spec.command, spec.args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...spec.env },
  });
  let startup: StartupLine | undefined;
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (startup !== undefined) return;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"msg":"started"')) continue;
      startup = (JSON.parse(line) as { startup?: StartupLine }).startup;
    }
  });
  for (;;) {
    if (await exists(socketPath)) break;
    if (child.exitCode !== null || performance.now() - started > 30_000) {
      throw new Error(`${spec.command} ${spec.args.join(' ')} did not start`);
    }
    await sleep(2);
  }
  const toSocketMs = performance.now() - started;
  const pid = child.pid ?? 0;
  const cpuToSocketMs = await cpuMs(pid);
  const rssAtSocketMb = (await memoryMb(pid)).rss;
  return {
    pid,
    toSocketMs,
    cpuToSocketMs,
    rssAtSocketMb,
    startup: () => startup,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => stopChild(child),
  };
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
}

/** A port nothing listens on now, for a provider's health listener. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** User + system CPU time of a process, in ms. */
export async function cpuMs(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
}

/** Resident set size now and its peak (VmRSS, VmHWM), in MB. */
export async function memoryMb(pid: number): Promise<{ rss: number; peak: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
