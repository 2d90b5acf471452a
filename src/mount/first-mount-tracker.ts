/**
 * Tells first mounts (a pod waiting to start) from republishes (kubelet refreshing a volume of a
 * running pod) so Vault capacity goes to the waiting pod first. The driver does not say which is
 * which; the heuristic: the first Mount seen for a (pod UID, target path) is a first mount, later
 * ones are republishes. Bounded (LRU with TTL): a pod forgotten after a long quiet spell, or after
 * a provider restart, counts as a first mount once more, which only raises its priority.
 */
import { LRUCache } from 'lru-cache';
import type { RequestPriority } from '../vault/request-context.js';

export interface FirstMountTrackerOptions {
  readonly maxEntries?: number;
  /** Longer than kubelet's republish interval (rotation poll, default 2 minutes). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export class FirstMountTracker {
  private readonly seen: LRUCache<string, true>;

  constructor(options: FirstMountTrackerOptions = {}) {
    this.seen = new LRUCache<string, true>({
      max: options.maxEntries ?? 10_000,
      ttl: options.ttlMs ?? 30 * 60_000,
      // A republish keeps the pod known: the TTL counts from the last Mount, not the first.
      updateAgeOnGet: true,
      // Read the clock on every access (no cached time, no timer).
      ttlResolution: 0,
      ...(options.now === undefined ? {} : { perf: { now: options.now } }),
    });
  }

  get size(): number {
    return this.seen.size;
  }

  /** Classifies a Mount and remembers it; a failed first mount stays "first" (see `forget`). */
  classify(podUid: string, targetPath: string): RequestPriority {
    const key = JSON.stringify([podUid, targetPath]);
    if (this.seen.get(key) !== undefined) return 'republish';
    this.seen.set(key, true);
    return 'first-mount';
  }

  /** A first mount that failed: the pod is still waiting, so its retry is a first mount too. */
  forget(podUid: string, targetPath: string): void {
    this.seen.delete(JSON.stringify([podUid, targetPath]));
  }
}
