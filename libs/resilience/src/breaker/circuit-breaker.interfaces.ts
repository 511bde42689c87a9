import type { Clock } from '@lattice/core';

/** A breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreakerPolicy} (Resilience4j's option set). */
export interface CircuitBreakerOptions {
  /** `count`: the last `windowSizeCalls` calls; `time`: calls of the last `windowDurationMs`. @default 'count' */
  slidingWindow?: 'count' | 'time';
  /** Size of a count-based window. @default 100 */
  windowSizeCalls?: number;
  /** Length of a time-based window (also the span of the opossum stats). @default 10000 */
  windowDurationMs?: number;
  /** Calls the window must hold before rates are judged. @default 20 */
  minimumCalls?: number;
  /** Opens when failed calls / recorded calls ≥ this percentage. @default 50 */
  failureRateThresholdPercent?: number;
  /** A call lasting at least this long is slow. @default 5000 */
  slowCallDurationMs?: number;
  /** Opens when slow calls / recorded calls ≥ this percentage. @default 100 */
  slowCallRateThresholdPercent?: number;
  /** Time spent open before trial calls are let through (half-open). @default 30000 */
  openDurationMs?: number;
  /** Trial calls allowed in half-open; their outcome decides between closed and open. @default 5 */
  halfOpenPermittedCalls?: number;
  /**
   * Which errors count as failures. Errors it returns `false` for are ignored (neither success
   * nor failure). @default {@link defaultRecordError}: not 4xx-class client errors, not local
   * rate-limit or bulkhead rejections.
   */
  recordError?: (error: unknown) => boolean;
  /** Per-key breakers kept; the least recently used beyond this are dropped (LRU). @default 1000 */
  maxBreakers?: number;
  /** Time source. @default systemClock */
  clock?: Clock;
}

/** A state change of one breaker. */
export interface BreakerStateChange {
  readonly policy: string;
  readonly key: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Clock time of the change, ms since the epoch. */
  readonly atMs: number;
}

/** One breaker in an admin snapshot. */
export interface BreakerSnapshot {
  readonly key: string;
  readonly state: BreakerState;
  /** Calls recorded in the current window (or in half-open, the trial calls). */
  readonly calls: number;
  readonly failureRatePercent: number;
  readonly slowCallRatePercent: number;
  /** For an open breaker, time left until half-open. */
  readonly retryAfterMs: number;
  /** Rolling counters of the breaker's window (fires, successes, failures, rejects), as opossum counts them. */
  readonly stats: {
    readonly fires: number;
    readonly successes: number;
    readonly failures: number;
    readonly rejects: number;
  };
}
