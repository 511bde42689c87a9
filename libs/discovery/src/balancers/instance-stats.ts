import { systemClock, type Clock } from '@lattice/core';

/**
 * Options of {@link InstanceStats}.
 *
 * @example
 * ```ts
 * new InstanceStats({ decayMs: 5_000, defaultLatencyMs: 2 });
 * ```
 */
export interface InstanceStatsOptions {
  /** Time constant of the latency EWMA: older samples weigh e^(-age/decay). @default 10000 */
  decayMs?: number;
  /** Latency assumed for an instance with no sample yet (new instances get tried). @default 1 */
  defaultLatencyMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface Entry {
  outstanding: number;
  ewmaMs: number;
  lastSampleAt: number;
}

/**
 * Per-instance call statistics of one service: outstanding requests and an exponentially
 * weighted moving average of latency (time-decayed). Least-outstanding and P2C read it;
 * `ServiceBalancer.begin()` feeds it.
 *
 * @example
 * ```ts
 * const stats = new InstanceStats();
 * stats.start('d1');
 * stats.end('d1', 12.5, true);
 * stats.cost('d1'); // ewma × (outstanding + 1)
 * ```
 */
export class InstanceStats {
  private readonly entries = new Map<string, Entry>();
  private readonly decayMs: number;
  private readonly defaultLatencyMs: number;
  private readonly clock: Clock;

  constructor(options: InstanceStatsOptions = {}) {
    this.decayMs = options.decayMs ?? 10_000;
    this.defaultLatencyMs = options.defaultLatencyMs ?? 1;
    this.clock = options.clock ?? systemClock;
  }

  start(instanceId: string): void {
    this.entry(instanceId).outstanding++;
  }

  /** Ends a call; a failure counts at least twice the current average so failing fast does not attract traffic. */
  end(instanceId: string, latencyMs: number, ok: boolean): void {
    const entry = this.entry(instanceId);
    entry.outstanding = Math.max(0, entry.outstanding - 1);
    const now = this.clock.now();
    const sample = ok ? latencyMs : Math.max(latencyMs, entry.ewmaMs * 2);
    if (entry.lastSampleAt < 0) entry.ewmaMs = sample;
    else {
      const weight = Math.exp(-Math.max(0, now - entry.lastSampleAt) / this.decayMs);
      entry.ewmaMs = entry.ewmaMs * weight + sample * (1 - weight);
    }
    entry.lastSampleAt = now;
  }

  outstanding(instanceId: string): number {
    return this.entries.get(instanceId)?.outstanding ?? 0;
  }

  /** Latency EWMA in ms (the default for instances without samples). */
  latencyMs(instanceId: string): number {
    const entry = this.entries.get(instanceId);
    return entry === undefined || entry.lastSampleAt < 0 ? this.defaultLatencyMs : entry.ewmaMs;
  }

  /** The P2C cost: latency EWMA × (outstanding + 1). */
  cost(instanceId: string): number {
    const entry = this.entries.get(instanceId);
    if (entry === undefined) return this.defaultLatencyMs;
    return (entry.lastSampleAt < 0 ? this.defaultLatencyMs : entry.ewmaMs) * (entry.outstanding + 1);
  }

  /** Drops instances no longer in the set. */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!instanceIds.has(id)) this.entries.delete(id);
  }

  private entry(instanceId: string): Entry {
    let entry = this.entries.get(instanceId);
    if (entry === undefined) {
      entry = { outstanding: 0, ewmaMs: this.defaultLatencyMs, lastSampleAt: -1 };
      this.entries.set(instanceId, entry);
    }
    return entry;
  }
}
