/**
 * The benchmark's two child processes (dev Vault, provider) and what it measures of them from
 * outside: CPU time and resident memory from /proc/<pid>/stat and /proc/<pid>/status.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { VaultCommand } from './vault-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
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

export interface ProviderProcess {
  readonly pid: number;
  readonly runtime: string;
  stop(): Promise<void>;
}

/** Starts `dist/main.js` when built (what production runs), else the sources through tsx. */
export async function startProviderProcess(args: readonly string[], socketPath: string): Promise<ProviderProcess> {
  const built = existsSync(`${root}dist/main.js`);
  // BENCH_PROVIDER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the provider.
  const extra = (process.env.BENCH_PROVIDER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const nodeArgs = [...extra, ...(built ? [`${root}dist/main.js`] : ['--import', 'tsx', `${root}src/main.ts`])];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let waited = 0; ; waited += 20) {
    if (
      await stat(socketPath).then(
        () => true,
        () => false,
      )
    )
      break;
    if (child.exitCode !== null || waited > 30_000) throw new Error('the provider did not start');
    await sleep(20);
  }
  return {
    pid: child.pid ?? 0,
    runtime: built ? 'node dist/main.js' : 'node --import tsx src/main.ts',
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
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
