/**
 * The time of the request path (retry backoff, rate limit, queue waits), injected so that tests
 * move it by hand instead of sleeping. The system clock is the default everywhere; one per process.
 */
import { abortableSleep } from './abortable-sleep.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: abortableSleep };
