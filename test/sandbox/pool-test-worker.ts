/**
 * A worker for the sandbox pool's own tests: each task kind misbehaves in one way a hostile
 * template or expression could (spin, allocate without end, crash, throw with a secret in the
 * message), so the pool's limits are tested against the runtime, not against a mock.
 */
import { InvalidParameterError } from '../../src/errors.js';
import { serveSandboxTasks } from '../../src/sandbox/worker-side.js';

type Task =
  | { kind: 'echo'; value: unknown }
  | { kind: 'spin'; afterSteps?: number }
  | { kind: 'allocate' }
  | { kind: 'exit' }
  | { kind: 'provider-error'; message: string }
  | { kind: 'bug'; secret: string }
  | { kind: 'bytes'; size: number };

serveSandboxTasks((raw, progress) => {
  const task = raw as Task;
  switch (task.kind) {
    case 'echo':
      return { result: task.value };
    case 'spin':
      for (let step = 0; step <= (task.afterSteps ?? 0); step += 1) progress(step);
      for (;;) {
        // Burns CPU until the pool's time limit terminates the worker.
      }
    case 'allocate': {
      const hoard: string[][] = [];
      for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => `item-${i}-${hoard.length}`));
    }
    case 'exit':
      // A worker thread that ends itself, as a native fault in a dependency would end it.
      // eslint-disable-next-line n/no-process-exit
      process.exit(3);
    // eslint-disable-next-line no-fallthrough -- process.exit does not return
    case 'provider-error':
      throw new InvalidParameterError(task.message);
    case 'bug':
      JSON.parse(`{"token": ${task.secret}}`);
      return { result: undefined };
    case 'bytes': {
      const bytes = new Uint8Array(task.size).fill(7);
      return { result: bytes, transfer: [bytes.buffer] };
    }
  }
});
