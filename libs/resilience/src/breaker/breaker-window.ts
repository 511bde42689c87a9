import type { Clock } from '@lattice/core';

/** Totals of a breaker's window. */
export interface WindowTotals {
  calls: number;
  failures: number;
  slow: number;
}

/** Recorded outcomes of the recent calls, count- or time-based. */
export interface BreakerWindow {
  record(failure: boolean, slow: boolean): void;
  /** The current totals; the object may be reused by the window (read it, do not keep it). */
  totals(): Readonly<WindowTotals>;
  reset(): void;
}

const FAILURE = 1;
const SLOW = 2;
const PRESENT = 4;

/** The last `size` calls, as a ring of outcome bits. */
export class CountWindow implements BreakerWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private readonly sums: WindowTotals = { calls: 0, failures: 0, slow: 0 };

  constructor(size: number) {
    this.ring = new Uint8Array(size);
  }

  record(failure: boolean, slow: boolean): void {
    const old = this.ring[this.next]!;
    if ((old & PRESENT) !== 0) {
      this.sums.calls--;
      if ((old & FAILURE) !== 0) this.sums.failures--;
      if ((old & SLOW) !== 0) this.sums.slow--;
    }
    this.ring[this.next] = PRESENT | (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    this.next = (this.next + 1) % this.ring.length;
    this.sums.calls++;
    if (failure) this.sums.failures++;
    if (slow) this.sums.slow++;
  }

  totals(): Readonly<WindowTotals> {
    return this.sums;
  }

  reset(): void {
    this.ring.fill(0);
    this.next = 0;
    this.sums.calls = this.sums.failures = this.sums.slow = 0;
  }
}

/** Calls of the last `durationMs`, in `buckets` slices rolled by the clock. */
export class TimeWindow implements BreakerWindow {
  private readonly calls: Float64Array;
  private readonly failures: Float64Array;
  private readonly slow: Float64Array;
  private readonly bucketMs: number;
  private current = 0;
  private currentStart: number;

  constructor(
    durationMs: number,
    private readonly buckets: number,
    private readonly clock: Clock,
  ) {
    this.calls = new Float64Array(buckets);
    this.failures = new Float64Array(buckets);
    this.slow = new Float64Array(buckets);
    this.bucketMs = Math.max(1, durationMs / buckets);
    this.currentStart = clock.now();
  }

  record(failure: boolean, slow: boolean): void {
    this.roll();
    this.calls[this.current]! += 1;
    if (failure) this.failures[this.current]! += 1;
    if (slow) this.slow[this.current]! += 1;
  }

  totals(): WindowTotals {
    this.roll();
    const sums: WindowTotals = { calls: 0, failures: 0, slow: 0 };
    for (let i = 0; i < this.buckets; i++) {
      sums.calls += this.calls[i]!;
      sums.failures += this.failures[i]!;
      sums.slow += this.slow[i]!;
    }
    return sums;
  }

  reset(): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.slow.fill(0);
    this.currentStart = this.clock.now();
  }

  private roll(): void {
    const elapsed = Math.floor((this.clock.now() - this.currentStart) / this.bucketMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, this.buckets); i++) {
      this.current = (this.current + 1) % this.buckets;
      this.calls[this.current] = 0;
      this.failures[this.current] = 0;
      this.slow[this.current] = 0;
    }
    this.currentStart += elapsed * this.bucketMs;
  }
}

/** What {@link RollingCounts} counts. */
export const enum Counted {
  Fires = 0,
  Successes = 1,
  Failures = 2,
  Rejects = 3,
}

const COUNTED_KINDS = 4;

/**
 * Fires, successes, failures and rejects over a window of buckets that the owner rotates.
 * Plain counters: opossum's own Status also keeps every call's latency in an array per bucket
 * (even with percentiles off), which at tens of thousands of calls per second was half of a
 * client's live heap.
 */
export class RollingCounts {
  private readonly counts: Float64Array;
  private head = 0;

  constructor(private readonly buckets: number) {
    this.counts = new Float64Array(buckets * COUNTED_KINDS);
  }

  add(kind: Counted): void {
    this.counts[this.head * COUNTED_KINDS + kind]! += 1;
  }

  /** Starts a new bucket, dropping the oldest. */
  rotate(): void {
    this.head = (this.head + 1) % this.buckets;
    this.counts.fill(0, this.head * COUNTED_KINDS, (this.head + 1) * COUNTED_KINDS);
  }

  total(kind: Counted): number {
    let sum = 0;
    for (let b = 0; b < this.buckets; b++) sum += this.counts[b * COUNTED_KINDS + kind]!;
    return sum;
  }
}
