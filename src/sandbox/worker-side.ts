/**
 * The worker's half of the sandbox: receives one task at a time, runs the handler, and answers
 * with its result or its failure as data (protocol.ts). `progress(step)` records how far a task
 * got in memory shared with the pool, so a task ended by a limit can still be attributed (for
 * example to the object being rendered) although the worker could not say so itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isProviderError } from '../errors.js';
import { PROGRESS_IDLE, READY, type SandboxReply, type SandboxRequest, type SerializedFailure } from './protocol.js';
import { stackFrames } from '../observability/safe-error.js';

export type SandboxHandler = (
  task: unknown,
  progress: (step: number) => void,
) => { readonly result: unknown; readonly transfer?: readonly ArrayBuffer[] };

export function serveSandboxTasks(handler: SandboxHandler): void {
  const port = parentPort;
  if (port === null) throw new Error('serveSandboxTasks runs in a worker thread only');
  const shared = (workerData as { progress: Int32Array }).progress;
  const progress = (step: number) => {
    shared[0] = step;
  };
  port.on('message', (request: SandboxRequest) => {
    let reply: SandboxReply;
    let transfer: readonly ArrayBuffer[] = [];
    try {
      const answer = handler(request.task, progress);
      reply = { id: request.id, result: answer.result };
      transfer = answer.transfer ?? [];
    } catch (error) {
      reply = { id: request.id, failure: serializeFailure(error) };
    }
    shared[0] = PROGRESS_IDLE;
    port.postMessage(reply, [...transfer]);
  });
  port.postMessage(READY);
}

function serializeFailure(error: unknown): SerializedFailure {
  if (!(error instanceof Error)) return { type: typeof error };
  if (isProviderError(error)) return { code: error.code, message: error.message, type: error.name };
  return { type: error.name, frames: stackFrames(error) };
}
