/** Outcome of asking a limiter for a permit. */
export type LimitDecision =
  /** Pass, after waiting `waitMs` (0 = now); the permit is already reserved. */
  | { readonly ok: true; readonly waitMs: number }
  /** Refused; a permit is expected after `retryAfterMs`. */
  | { readonly ok: false; readonly retryAfterMs: number };

/**
 * A flow-control algorithm (Sentinel's "control behaviour"): decides synchronously, from the
 * clock time it is given, whether one more call passes now, passes after a wait, or is refused.
 *
 * @example
 * ```ts
 * class FixedWindow implements FlowController {
 *   private windowStart = 0; private count = 0;
 *   constructor(private readonly qps: number) {}
 *   tryAcquire(nowMs: number): LimitDecision {
 *     if (nowMs - this.windowStart >= 1000) { this.windowStart = nowMs; this.count = 0; }
 *     if (this.count >= this.qps) return { ok: false, retryAfterMs: this.windowStart + 1000 - nowMs };
 *     this.count++; return { ok: true, waitMs: 0 };
 *   }
 *   snapshot() { return { count: this.count }; }
 * }
 * ```
 */
export interface FlowController {
  tryAcquire(nowMs: number): LimitDecision;
  /** Current counters for the admin snapshot. */
  snapshot(nowMs: number): Record<string, number>;
}

/** The parameters a {@link FlowController} factory receives (from the rate-limit options). */
export interface FlowRuleSettings {
  readonly qps: number;
  readonly warmUpPeriodMs: number;
  readonly coldFactor: number;
  readonly maxQueueingTimeMs: number;
}

/** Per-parameter (hot key) limit: a token bucket per value, the set of values LRU-bounded. */
export interface HotParamLimitOptions {
  /** Calls per second allowed for each parameter value. */
  qps: number;
  /** Calls a quiet value may make at once. @default qps */
  burst?: number;
  /** Values tracked; the least recently seen are forgotten beyond this. @default 10000 */
  maxKeys?: number;
}

/** Cluster-wide limit shared by every instance through Redis (one atomic GCRA Lua script). */
export interface ClusterLimitOptions {
  /** Calls per second allowed across the cluster. */
  qps: number;
  /**
   * Calls allowed at once after a quiet period; it also absorbs the gaps between a permit
   * becoming free and the next request taking it, which a burst of 1 loses. @default max(1, round(qps / 10))
   */
  burst?: number;
  /** Redis key prefix; instances sharing a limit use the same prefix and policy key. @default 'lattice:rl:' */
  keyPrefix?: string;
  /** When Redis fails: `true` lets calls pass (logged), `false` refuses them. @default true */
  failOpen?: boolean;
}

/** Local limiting and queueing through bottleneck. */
export interface BottleneckLimitOptions {
  /** Jobs running at once. @default unlimited */
  maxConcurrent?: number;
  /** Minimum time between two job starts. @default 0 */
  minTimeMs?: number;
  /** Jobs waiting; more are refused with RateLimitedError. @default unlimited */
  maxQueue?: number;
}

/** Options of {@link RateLimitPolicy}: Sentinel-style flow rules, each optional. */
export interface RateLimitOptions {
  /** Calls per second (QPS) allowed through this instance. @default unlimited */
  qps?: number;
  /**
   * How `qps` is enforced: `reject` (sliding 1 s window, excess refused), `warm-up` (a cold
   * start ramps from qps/coldFactor up to qps over `warmUpPeriodMs`), `pacing` (uniform
   * spacing of 1000/qps ms, callers wait up to `maxQueueingTimeMs`), or a registered name.
   * @default 'reject'
   */
  behavior?: string;
  /** Ramp length of `warm-up`. @default 10000 */
  warmUpPeriodMs?: number;
  /** `warm-up` starts at qps / coldFactor. @default 3 */
  coldFactor?: number;
  /** Longest wait `pacing` imposes; callers that would wait longer are refused. @default 500 */
  maxQueueingTimeMs?: number;
  /** Calls running at once. @default unlimited */
  concurrency?: number;
  /** Per-parameter limit, applied to calls whose context has a `param`. */
  hotParam?: HotParamLimitOptions;
  /** Cluster-wide limit on Redis (needs a Redis client in the wiring). */
  cluster?: ClusterLimitOptions;
  /** Local limiting and queueing with bottleneck. */
  bottleneck?: BottleneckLimitOptions;
}
