/**
 * A clock the test moves by hand (src/async/clock.ts): `now` stands still, `sleep` resolves when
 * `advance` passes its due time, so backoff, rate limits and Retry-After are asserted without
 * waiting and without reading the wall clock.
 */
import { setImmediate as tick } from 'node:timers/promises';
import type { Clock } from '../../src/async/clock.js';

interface Sleeper {
  readonly dueMs: number;
  readonly requestedMs: number;
  readonly resolve: () => void;
}

export class ManualClock implements Clock {
  #nowMs: number;
  #sleepers: Sleeper[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { dueMs: this.#nowMs + ms, requestedMs: ms, resolve };
      this.#sleepers.push(sleeper);
      signal.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((other) => other !== sleeper);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** The durations of the sleeps still waiting, in the order they began. */
  get sleeping(): number[] {
    return this.#sleepers.map((sleeper) => sleeper.requestedMs);
  }

  /** Moves the clock and wakes every sleep now due (then lets their continuations run). */
  async advance(ms: number): Promise<void> {
    this.#nowMs += ms;
    const due = this.#sleepers.filter((sleeper) => sleeper.dueMs <= this.#nowMs);
    this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.dueMs > this.#nowMs);
    for (const sleeper of due) sleeper.resolve();
    await tick();
  }

  /** Resolves once `count` sleeps are waiting (the code under test reached its wait). */
  async untilSleeping(count = 1): Promise<void> {
    for (let turn = 0; this.#sleepers.length < count; turn++) {
      if (turn > 10_000) throw new Error(`ManualClock: ${count} sleep(s) never began`);
      await tick();
    }
  }
}
