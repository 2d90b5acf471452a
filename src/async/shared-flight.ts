/**
 * Coalescing of identical in-flight work: callers with the same key share one execution. The
 * shared work is cancelled only when every caller has given up; each caller still leaves on its
 * own signal with its own reason. Keys must include the identity: nothing is shared across pods.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { abortReason } from './abortable-sleep.js';

const MAX_WAITERS_PER_SIGNAL = 10_000;

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
}

export class SharedFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  constructor(private readonly maxFlights = 10_000) {}

  get size(): number {
    return this.flights.size;
  }

  /** Runs `work` or joins the identical one in flight; `joined` is called when joining. */
  run(key: string, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>, joined?: () => void): Promise<T> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    let flight = this.flights.get(key);
    if (flight === undefined) {
      // Past the bound (never in practice: one entry per in-flight request) run unshared.
      if (this.flights.size >= this.maxFlights) return work(signal);
      const controller = new AbortController();
      const created: Flight<T> = {
        controller,
        waiters: 0,
        promise: work(controller.signal).finally(() => this.flights.delete(key)),
      };
      // Followers may all have left; the shared promise must not become an unhandled rejection.
      created.promise.catch(() => undefined);
      this.flights.set(key, created);
      flight = created;
    } else {
      joined?.();
    }
    return this.wait(flight, signal);
  }

  private wait(flight: Flight<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    // A long-lived signal (a process's stop signal) holds one listener per in-flight read, each
    // removed when its read settles: many is normal, not the leak Node warns about past 10.
    if (getMaxListeners(signal) < MAX_WAITERS_PER_SIGNAL) setMaxListeners(MAX_WAITERS_PER_SIGNAL, signal);
    flight.waiters += 1;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        flight.waiters -= 1;
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        // The last caller out cancels the shared work; the reason is that caller's own.
        if (flight.waiters === 0) flight.controller.abort(abortReason(signal));
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          leave();
          resolve(value);
        },
        (error: unknown) => {
          leave();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
