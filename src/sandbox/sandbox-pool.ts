/**
 * Runs untrusted work (whose cost a pod chooses: templates, jmesPath, formats over large data)
 * off the main event loop, in a small pool of worker threads whose budgets the runtime enforces:
 * V8's heap limits (`resourceLimits`) bound memory, and a wall-clock limit per task bounds CPU
 * (a worker runs one task at a time, so its wall time is at least its CPU time): past it, the
 * worker is terminated and replaced. A failure ends only that task; the process and the other
 * workers go on. Tasks wait for a free worker in a queue that is fair between tenants (pods):
 * the tenant with the fewest tasks running goes first, so one pod's Mounts cannot hold every
 * worker while another pod waits. Workers start on first use and then stay warm. Lives per process.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import { PROGRESS_IDLE, READY, type SandboxReply, type SandboxRequest, type SerializedFailure } from './protocol.js';

export interface SandboxPoolOptions {
  /** The worker module: it calls `serveSandboxTasks` (src/sandbox/worker-side.ts). */
  readonly entry: URL;
  /** Workers at most; tasks beyond wait in the fair queue. */
  readonly workers: number;
  /** V8 old-generation heap of each worker, in MiB: a task that needs more ends its worker. */
  readonly memoryLimitMb: number;
  /** Told of every task's end, for metrics. */
  readonly onTaskEnd?: (outcome: SandboxOutcomeKind, durationMs: number) => void;
  /** Told of a worker that ended unexpectedly (not by a limit), for the log. */
  readonly onWorkerError?: (error: Error) => void;
}

export type SandboxOutcomeKind = 'ok' | 'failed' | 'time-limit' | 'memory-limit' | 'crashed' | 'cancelled';

/**
 * What a task came to. `progress` is the last step the task reported before a limit ended it
 * (e.g. the index of the object it was rendering), so the caller can name the culprit.
 */
export type SandboxOutcome<R> =
  | { readonly kind: 'ok'; readonly result: R }
  | { readonly kind: 'failed'; readonly failure: SerializedFailure }
  | { readonly kind: 'time-limit'; readonly progress: number }
  | { readonly kind: 'memory-limit'; readonly progress: number }
  | { readonly kind: 'crashed'; readonly progress: number };

export interface SandboxTaskOptions {
  /** Who the work is for (a pod uid): the queue is fair between tenants. */
  readonly tenant: string;
  /** Wall-clock limit of the task once a worker runs it. */
  readonly timeLimitMs: number;
  /** The caller gave up (Mount cancelled or out of budget): leave the queue, or stop the worker. */
  readonly signal: AbortSignal;
  /** ArrayBuffers moved, not copied, into the worker. */
  readonly transfer?: readonly Transferable[];
}

interface PendingTask {
  readonly id: number;
  readonly task: unknown;
  readonly options: SandboxTaskOptions;
  readonly settle: (outcome: SandboxOutcome<unknown> | { kind: 'cancelled'; reason: Error }) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Int32 slot 0: the running task's last reported step (PROGRESS_IDLE between tasks). */
  readonly progress: Int32Array;
  running?: { readonly task: PendingTask; readonly startedMs: number; readonly timer: NodeJS.Timeout } | undefined;
  /** Set once the worker has loaded its module: start-up does not count against a task's limit. */
  ready: boolean;
  /** Set once the worker is being terminated: it takes no more tasks. */
  retired: boolean;
}

export class SandboxPool {
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: PendingTask[] = [];
  private readonly runningByTenant = new Map<string, number>();
  /** Tenant → sequence number of its latest start; bounded by forgetting tenants with nothing queued or running. */
  private readonly lastStartByTenant = new Map<string, number>();
  private starts = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {
    if (!Number.isSafeInteger(options.workers) || options.workers < 1) {
      throw new RangeError('SandboxPool: option workers must be a positive integer');
    }
    if (!Number.isSafeInteger(options.memoryLimitMb) || options.memoryLimitMb < 8) {
      throw new RangeError('SandboxPool: option memoryLimitMb must be an integer of at least 8');
    }
  }

  /** Workers alive now (started lazily). */
  get size(): number {
    return this.workers.size;
  }

  /**
   * Runs `task` in a worker. Resolves with what it came to; rejects only with the signal's
   * reason when the caller gave up, or when the pool is closed.
   */
  run<R>(task: unknown, options: SandboxTaskOptions): Promise<SandboxOutcome<R>> {
    if (this.closed) return Promise.reject(new Error('SandboxPool is closed'));
    if (options.signal.aborted) return Promise.reject(asError(options.signal.reason));
    return new Promise<SandboxOutcome<R>>((resolve, reject) => {
      const onAbort = () => this.cancel(pending);
      const pending: PendingTask = {
        id: this.nextId++,
        task,
        options,
        settle: (outcome) => {
          options.signal.removeEventListener('abort', onAbort);
          if (outcome.kind === 'cancelled') reject(outcome.reason);
          else resolve(outcome as SandboxOutcome<R>);
        },
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Terminates every worker; queued and running tasks are cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.settle({ kind: 'cancelled', reason: new Error('the provider is stopping') });
    }
    const stopping = [...this.workers].map((slot) => {
      const running = slot.running;
      if (running !== undefined)
        this.finish(slot, { kind: 'cancelled', reason: new Error('the provider is stopping') });
      return this.retire(slot);
    });
    await Promise.all(stopping);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleWorker();
      if (slot === undefined) return;
      const index = this.fairestIndex();
      const [pending] = this.queue.splice(index, 1);
      if (pending !== undefined) this.start(slot, pending);
    }
  }

  /** A ready idle worker; else starts one if below the bound (dispatch runs again when it is ready). */
  private idleWorker(): PoolWorker | undefined {
    let starting = 0;
    for (const slot of this.workers) {
      if (slot.retired) continue;
      if (!slot.ready) starting += 1;
      else if (slot.running === undefined) return slot;
    }
    while (starting < this.queue.length && this.liveWorkers() < this.options.workers) {
      this.spawn();
      starting += 1;
    }
    return undefined;
  }

  private liveWorkers(): number {
    let live = 0;
    for (const slot of this.workers) if (!slot.retired) live += 1;
    return live;
  }

  /**
   * The queued task whose tenant has the fewest tasks running, then the one served longest ago
   * (round robin between tenants), then FIFO.
   */
  private fairestIndex(): number {
    let best = 0;
    let bestRank: readonly [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    this.queue.forEach((pending, index) => {
      const tenant = pending.options.tenant;
      const rank = [this.runningByTenant.get(tenant) ?? 0, this.lastStartByTenant.get(tenant) ?? -1] as const;
      if (rank[0] < bestRank[0] || (rank[0] === bestRank[0] && rank[1] < bestRank[1])) {
        best = index;
        bestRank = rank;
      }
    });
    return best;
  }

  private spawn(): PoolWorker {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    progress[0] = PROGRESS_IDLE;
    const { entry, workerOptions } = workerSource(this.options.entry);
    const worker = new Worker(entry, {
      ...workerOptions,
      workerData: { progress },
      resourceLimits: {
        maxOldGenerationSizeMb: this.options.memoryLimitMb,
        // The young generation is part of the budget too; V8's default would be larger than
        // the whole limit for small settings.
        maxYoungGenerationSizeMb: Math.max(2, Math.floor(this.options.memoryLimitMb / 8)),
        stackSizeMb: 4,
      },
      // Nothing the worker writes reaches the provider's stdout: its logs are the main thread's.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: PoolWorker = { worker, progress, ready: false, retired: false };
    worker.on('message', (reply: SandboxReply | typeof READY) => {
      if (reply === READY) {
        slot.ready = true;
        this.dispatch();
      } else this.onReply(slot, reply);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const kind = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory-limit' : 'crashed';
      if (kind === 'crashed') this.options.onWorkerError?.(error);
      this.onWorkerGone(slot, kind);
    });
    worker.on('exit', () => this.onWorkerGone(slot, 'crashed'));
    // An idle worker must not keep the process alive; a busy one is awaited by its caller anyway.
    worker.unref();
    this.workers.add(slot);
    return slot;
  }

  private start(slot: PoolWorker, pending: PendingTask): void {
    const tenant = pending.options.tenant;
    this.runningByTenant.set(tenant, (this.runningByTenant.get(tenant) ?? 0) + 1);
    this.lastStartByTenant.set(tenant, this.starts++);
    const timer = setTimeout(() => this.onTimeLimit(slot), pending.options.timeLimitMs);
    slot.running = { task: pending, startedMs: performance.now(), timer };
    slot.progress[0] = PROGRESS_IDLE;
    const request: SandboxRequest = { id: pending.id, task: pending.task };
    slot.worker.postMessage(request, pending.options.transfer ?? []);
  }

  private onReply(slot: PoolWorker, reply: SandboxReply): void {
    if (slot.running?.task.id !== reply.id) return;
    this.finish(
      slot,
      reply.failure === undefined ? { kind: 'ok', result: reply.result } : { kind: 'failed', failure: reply.failure },
    );
    this.dispatch();
  }

  private onTimeLimit(slot: PoolWorker): void {
    if (slot.running === undefined) return;
    this.finish(slot, { kind: 'time-limit', progress: slot.progress[0] ?? PROGRESS_IDLE });
    void this.retire(slot);
    this.dispatch();
  }

  private onWorkerGone(slot: PoolWorker, kind: 'memory-limit' | 'crashed'): void {
    if (!this.workers.has(slot)) return;
    this.workers.delete(slot);
    slot.retired = true;
    if (slot.running !== undefined) this.finish(slot, { kind, progress: slot.progress[0] ?? PROGRESS_IDLE });
    else if (!slot.ready) {
      // The worker could not even load its module: fail a waiting task rather than respawn forever.
      this.queue.shift()?.settle({ kind: 'crashed', progress: PROGRESS_IDLE });
    }
    if (!this.closed) this.dispatch();
  }

  private cancel(pending: PendingTask): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      pending.settle({ kind: 'cancelled', reason: asError(pending.options.signal.reason) });
      return;
    }
    for (const slot of this.workers) {
      if (slot.running?.task !== pending) continue;
      // Nobody waits for the answer any more: stop burning CPU on it.
      this.finish(slot, { kind: 'cancelled', reason: asError(pending.options.signal.reason) });
      void this.retire(slot);
      this.dispatch();
      return;
    }
  }

  private finish(slot: PoolWorker, outcome: SandboxOutcome<unknown> | { kind: 'cancelled'; reason: Error }): void {
    const running = slot.running;
    if (running === undefined) return;
    slot.running = undefined;
    clearTimeout(running.timer);
    const tenant = running.task.options.tenant;
    const left = (this.runningByTenant.get(tenant) ?? 1) - 1;
    if (left > 0) this.runningByTenant.set(tenant, left);
    else this.runningByTenant.delete(tenant);
    if (left === 0 && !this.queue.some((pending) => pending.options.tenant === tenant)) {
      this.lastStartByTenant.delete(tenant);
    }
    this.options.onTaskEnd?.(outcome.kind, performance.now() - running.startedMs);
    running.task.settle(outcome);
  }

  private async retire(slot: PoolWorker): Promise<void> {
    slot.retired = true;
    this.workers.delete(slot);
    await slot.worker.terminate();
  }
}

/**
 * How to start the worker module. Built code (`.js`) starts directly. Run from the TypeScript
 * sources (tests, the demo), Node 20 does not hand the tsx loader to worker threads, so a
 * two-line bootstrap registers it in the worker first; nothing changes in what the worker does.
 */
function workerSource(entry: URL): { entry: URL | string; workerOptions: { eval?: boolean } } {
  if (!fileURLToPath(entry).endsWith('.ts')) return { entry, workerOptions: {} };
  const loader = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return { entry: bootstrap, workerOptions: { eval: true } };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('the task was cancelled');
}
