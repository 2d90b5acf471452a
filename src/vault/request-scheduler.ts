/**
 * Backpressure toward Vault: at most `maxInFlight` requests in flight per Vault address, an
 * optional token-bucket rate limit, and first mounts (pods waiting to start) served before
 * republishes and background renewals (pods already running on their old files). Within a
 * priority, a freed slot goes to the waiting tenant (pod) with the fewest requests in flight,
 * so one pod's many objects cannot hold the whole bound while other pods wait. A waiter whose
 * Mount is cancelled or out of budget leaves the queue at once with the Mount's reason.
 */
import { LRUCache } from 'lru-cache';
import type { ProviderMetrics } from '../observability/metrics.js';
import { abortReason } from '../async/abortable-sleep.js';
import { systemClock, type Clock } from '../async/clock.js';
import type { RequestPriority } from './request-context.js';
import { TokenBucket } from './token-bucket.js';

export interface SchedulerOptions {
  /** Requests in flight per Vault address; 0 means unbounded. */
  readonly maxInFlight: number;
  /** Requests per second per address; 0 disables the rate limit. */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Distinct addresses tracked (addresses come from SecretProviderClasses). */
  readonly maxAddresses?: number;
  readonly metrics?: ProviderMetrics;
  /** Time of the rate limit and the queue-wait metric (tests move it by hand). */
  readonly clock?: Clock;
}

interface Waiter {
  readonly tenant: string;
  readonly grant: () => void;
}

const TIERS: readonly RequestPriority[] = ['first-mount', 'republish', 'background'];

class AddressLane {
  inFlight = 0;
  /** Requests in flight per tenant; a tenant leaves the map when it has none. */
  readonly inFlightByTenant = new Map<string, number>();
  readonly queues: Readonly<Record<RequestPriority, Set<Waiter>>> = {
    'first-mount': new Set(),
    republish: new Set(),
    background: new Set(),
  };
  readonly bucket: TokenBucket | undefined;

  constructor(options: SchedulerOptions, clock: Clock) {
    this.bucket = options.ratePerSecond > 0 ? new TokenBucket(options.ratePerSecond, options.burst, clock) : undefined;
  }

  get queued(): number {
    let total = 0;
    for (const tier of TIERS) total += this.queues[tier].size;
    return total;
  }

  /** The first waiter of the highest non-empty tier whose tenant holds the fewest slots. */
  next(): Waiter | undefined {
    for (const tier of TIERS) {
      const queue = this.queues[tier];
      let chosen: Waiter | undefined;
      let fewest = Number.POSITIVE_INFINITY;
      for (const waiter of queue) {
        const held = this.inFlightByTenant.get(waiter.tenant) ?? 0;
        if (held < fewest) {
          chosen = waiter;
          fewest = held;
          if (held === 0) break;
        }
      }
      if (chosen !== undefined) {
        queue.delete(chosen);
        return chosen;
      }
    }
    return undefined;
  }

  hold(tenant: string): void {
    this.inFlight += 1;
    this.inFlightByTenant.set(tenant, (this.inFlightByTenant.get(tenant) ?? 0) + 1);
  }

  free(tenant: string): void {
    this.inFlight -= 1;
    const left = (this.inFlightByTenant.get(tenant) ?? 1) - 1;
    if (left > 0) this.inFlightByTenant.set(tenant, left);
    else this.inFlightByTenant.delete(tenant);
  }
}

export class RequestScheduler {
  /** Lanes with requests in flight or queued: never evicted, since their counters are the bound. */
  private readonly busy = new Map<string, AddressLane>();
  /** Lanes with nothing in flight (they keep their rate-limit state), bounded: addresses come from SPCs. */
  private readonly idle: LRUCache<string, AddressLane>;
  private readonly clock: Clock;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.idle = new LRUCache<string, AddressLane>({ max: options.maxAddresses ?? 256 });
  }

  /**
   * Waits for a slot toward `address` (and a rate-limit token), runs `work`, frees the slot.
   * Rejects with the signal's reason if the caller gives up while waiting.
   */
  async run<T>(
    address: string,
    priority: RequestPriority,
    signal: AbortSignal,
    work: () => Promise<T>,
    tenant = '',
  ): Promise<T> {
    const lane = this.lane(address);
    const started = this.clock.now();
    try {
      await this.acquire(lane, priority, signal, tenant);
    } catch (error) {
      this.settle(address, lane);
      throw error;
    }
    try {
      if (lane.bucket !== undefined) await lane.bucket.take(signal);
      this.options.metrics?.vaultQueueWait.observe({ priority }, (this.clock.now() - started) / 1000);
      return await work();
    } finally {
      this.release(lane, tenant);
      this.settle(address, lane);
    }
  }

  /** Requests in flight toward an address (tests and metrics). */
  inFlight(address: string): number {
    return this.busy.get(address)?.inFlight ?? 0;
  }

  private lane(address: string): AddressLane {
    let lane = this.busy.get(address);
    if (lane === undefined) {
      lane = this.idle.get(address) ?? new AddressLane(this.options, this.clock);
      this.idle.delete(address);
      this.busy.set(address, lane);
    }
    return lane;
  }

  /** A lane with nothing in flight or queued goes back among the idle ones. */
  private settle(address: string, lane: AddressLane): void {
    if (lane.inFlight > 0 || lane.queued > 0 || this.busy.get(address) !== lane) return;
    this.busy.delete(address);
    this.idle.set(address, lane);
  }

  private acquire(lane: AddressLane, priority: RequestPriority, signal: AbortSignal, tenant: string): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const max = this.options.maxInFlight;
    if (max <= 0 || (lane.inFlight < max && lane.queued === 0)) {
      lane.hold(tenant);
      return Promise.resolve();
    }
    const queue = lane.queues[priority];
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        queue.delete(waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        tenant,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          lane.hold(tenant);
          resolve();
        },
      };
      queue.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(lane: AddressLane, tenant: string): void {
    lane.free(tenant);
    lane.next()?.grant();
  }
}
