/**
 * The kube tier's servers run as child processes of a test file: output captured for the failure
 * message when they die, stopped by their own pid (never by name), on ports picked free at start.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startProcess, tail, type RunningProcess } from '../../../support/child-process.js';

export { freePort, tail };

export interface ServerProcess {
  readonly name: string;
  readonly child: RunningProcess['child'];
  /** stdout and stderr lines. */
  readonly output: string[];
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** A server as the other tiers run theirs (test/support/child-process.ts), with an exit flag. */
export function startServerProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerProcess {
  const running = startProcess(name, command, args, { env });
  let ended = false;
  void running.exited.then(() => (ended = true));
  return {
    name,
    child: running.child,
    output: running.output,
    exited: running.exited,
    hasExited: () => ended,
    stop: (graceMs = 10_000) => running.stop({ graceMs }),
  };
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
