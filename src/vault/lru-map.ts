/**
 * A Map with a maximum size and an optional time to live: the one shape every long-lived
 * per-pod or per-address map in the provider uses, so a node with pods coming and going for
 * months holds at most `maxEntries` of anything. Map order is least recently used first.
 */
export interface LruMapOptions<V> {
  readonly maxEntries: number;
  /** Entries older than this (since last set or get) are dropped on access; absent: no TTL. */
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Entries this returns false for are skipped by eviction (e.g. state with work in flight). */
  readonly evictable?: (value: V) => boolean;
}

interface Entry<V> {
  value: V;
  touchedMs: number;
}

export class LruMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly options: LruMapOptions<V>) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (this.expired(entry, now)) {
      this.entries.delete(key);
      return undefined;
    }
    entry.touchedMs = now;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, touchedMs: this.now() });
    this.evict();
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  values(): IterableIterator<V> {
    return [...this.entries.values()].map((entry) => entry.value)[Symbol.iterator]();
  }

  private expired(entry: Entry<V>, now: number): boolean {
    return this.options.ttlMs !== undefined && now - entry.touchedMs > this.options.ttlMs;
  }

  private evict(): void {
    const now = this.now();
    // Expired entries go first, then the least recently used ones beyond the maximum (deleting
    // while iterating a Map is safe).
    for (const [key, entry] of this.entries) {
      if (!this.expired(entry, now)) break;
      if (this.options.evictable?.(entry.value) ?? true) this.entries.delete(key);
    }
    if (this.entries.size <= this.options.maxEntries) return;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries) break;
      if (this.options.evictable?.(entry.value) ?? true) this.entries.delete(key);
    }
  }
}
