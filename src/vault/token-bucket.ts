/**
 * An optional rate limit toward one Vault address (`-vault-rate-limit`): a token bucket of
 * `burst` tokens refilled at `ratePerSecond`, kept as a "theoretical arrival time" (GCRA) so
 * waiters are served in arrival order and a burst of pods cannot starve an earlier one.
 */
import { abortableSleep } from '../async/abortable-sleep.js';

export class TokenBucket {
  private readonly intervalMs: number;
  /** When the bucket would be full again if nobody else took a token. */
  private theoreticalArrivalMs = 0;

  constructor(
    ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
  }

  /**
   * Takes one token, waiting for it if needed; returns the ms waited. Rejects with the signal's
   * reason on abort (the reserved slot is then lost: the limit errs on the side of Vault).
   */
  async take(signal: AbortSignal): Promise<number> {
    const now = this.now();
    const arrival = Math.max(this.theoreticalArrivalMs, now);
    const waitMs = arrival - (this.burst - 1) * this.intervalMs - now;
    this.theoreticalArrivalMs = arrival + this.intervalMs;
    if (waitMs <= 0) return 0;
    await abortableSleep(waitMs, signal);
    return waitMs;
  }
}
