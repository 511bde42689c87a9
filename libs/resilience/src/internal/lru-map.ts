/**
 * A Map bounded to `max` entries that evicts the least recently used one. `get` refreshes
 * recency; `onEvict` lets the owner close what the evicted value holds.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  /** The most recently used key: a repeated `get` of it need not reorder the map. */
  private newest: K | undefined;

  constructor(
    private max: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  /** Without refreshing recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    this.trim();
  }

  delete(key: K): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.map.delete(key);
  }

  resize(max: number): void {
    this.max = max;
    this.trim();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  clear(): void {
    if (this.onEvict) for (const [key, value] of this.map) this.onEvict(key, value);
    this.map.clear();
    this.newest = undefined;
  }

  private trim(): void {
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) return;
      const value = this.map.get(oldest.value)!;
      this.map.delete(oldest.value);
      this.onEvict?.(oldest.value, value);
    }
  }
}
