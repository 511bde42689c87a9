import { systemClock, type Clock } from '@lattice/core';

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls in the window (0.2 = retries ≤ 20% of calls). @default 0.2 */
  ratio?: number;
  /** Length of the sliding window. @default 10000 */
  windowMs?: number;
  /** Retries always allowed per window, so a quiet service can still retry a blip. @default 3 */
  minRetries?: number;
  /** Time source. @default systemClock */
  clock?: Clock;
}

const BUCKETS = 10;

/**
 * A sliding-window budget that keeps retries to a fraction of calls, so retries cannot
 * multiply the load on a dependency that is already failing (Finagle's RetryBudget idea):
 * in any window, retries ≤ max(`minRetries`, `ratio` × calls).
 *
 * @example
 * ```ts
 * const budget = new RetryBudget({ ratio: 0.1 });
 * budget.recordCall();
 * if (budget.tryAcquire()) retryNow();
 * ```
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly minRetries: number;
  private readonly bucketMs: number;
  private readonly clock: Clock;
  private readonly calls = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private currentBucket = 0;
  private currentStart = 0;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2;
    this.minRetries = options.minRetries ?? 3;
    this.bucketMs = Math.max(1, (options.windowMs ?? 10_000) / BUCKETS);
    this.clock = options.clock ?? systemClock;
    this.currentStart = this.clock.now();
  }

  /** Counts one call (first attempts only). */
  recordCall(): void {
    this.roll();
    this.calls[this.currentBucket]! += 1;
  }

  /** Takes one retry from the budget if there is one left. */
  tryAcquire(): boolean {
    this.roll();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    if (retries + 1 > Math.max(this.minRetries, this.ratio * calls)) return false;
    this.retries[this.currentBucket]! += 1;
    return true;
  }

  /** Calls and retries in the current window. */
  snapshot(): { calls: number; retries: number } {
    this.roll();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    return { calls, retries };
  }

  private roll(): void {
    const now = this.clock.now();
    const elapsed = Math.floor((now - this.currentStart) / this.bucketMs);
    if (elapsed <= 0) return;
    const steps = Math.min(elapsed, BUCKETS);
    for (let i = 0; i < steps; i++) {
      this.currentBucket = (this.currentBucket + 1) % BUCKETS;
      this.calls[this.currentBucket] = 0;
      this.retries[this.currentBucket] = 0;
    }
    this.currentStart += elapsed * this.bucketMs;
  }
}
