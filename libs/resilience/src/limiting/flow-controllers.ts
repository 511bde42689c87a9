import { UnknownStrategyError } from '../resilience.errors.js';
import type { FlowController, FlowRuleSettings, LimitDecision } from './rate-limit.interfaces.js';

export const PASS: LimitDecision = Object.freeze({ ok: true, waitMs: 0 });

const SAMPLES = 10;
const WINDOW_MS = 1_000;
const BUCKET_MS = WINDOW_MS / SAMPLES;

/**
 * Sentinel's default behaviour: a sliding one-second window in ten 100 ms buckets; a call
 * passes while the window holds fewer than `qps` passed calls.
 *
 * @example
 * ```ts
 * const qps = new SlidingWindowController({ qps: 100, warmUpPeriodMs: 0, coldFactor: 3, maxQueueingTimeMs: 0 });
 * qps.tryAcquire(Date.now()); // { ok: true, waitMs: 0 }
 * ```
 */
export class SlidingWindowController implements FlowController {
  protected readonly counts = new Float64Array(SAMPLES);
  protected readonly starts = new Float64Array(SAMPLES).fill(-Infinity);

  constructor(protected readonly rule: FlowRuleSettings) {}

  tryAcquire(nowMs: number): LimitDecision {
    const passed = this.passed(nowMs);
    if (passed + 1 > this.limit(nowMs, passed)) return { ok: false, retryAfterMs: this.retryAfter(nowMs) };
    this.counts[this.bucket(nowMs)]! += 1;
    return PASS;
  }

  snapshot(nowMs: number): Record<string, number> {
    return { qps: this.rule.qps, passedLastSecond: this.passed(nowMs) };
  }

  /** The limit at `nowMs`; `warm-up` overrides it. */
  protected limit(_nowMs: number, _passed: number): number {
    return this.rule.qps;
  }

  protected passed(nowMs: number): number {
    let sum = 0;
    for (let i = 0; i < SAMPLES; i++) if (nowMs - this.starts[i]! < WINDOW_MS) sum += this.counts[i]!;
    return sum;
  }

  private bucket(nowMs: number): number {
    const start = nowMs - (nowMs % BUCKET_MS);
    const index = Math.floor(start / BUCKET_MS) % SAMPLES;
    if (this.starts[index] !== start) {
      this.starts[index] = start;
      this.counts[index] = 0;
    }
    return index;
  }

  private retryAfter(nowMs: number): number {
    let oldest = Infinity;
    for (let i = 0; i < SAMPLES; i++) {
      if (this.counts[i]! > 0 && nowMs - this.starts[i]! < WINDOW_MS) oldest = Math.min(oldest, this.starts[i]!);
    }
    return oldest === Infinity ? BUCKET_MS : oldest + WINDOW_MS - nowMs;
  }
}

/**
 * Warm-up: after a cold start (creation, or a quiet spell of `warmUpPeriodMs` below
 * qps/coldFactor), the allowed QPS rises linearly from qps/coldFactor to qps over
 * `warmUpPeriodMs`, so a cold dependency (empty caches, cold JIT, new pool) is not flooded.
 *
 * @example
 * ```ts
 * const warm = new WarmUpController({ qps: 300, warmUpPeriodMs: 10_000, coldFactor: 3, maxQueueingTimeMs: 0 });
 * ```
 */
export class WarmUpController extends SlidingWindowController {
  private warmStart = -Infinity;
  private lastBusy = -Infinity;

  protected override limit(nowMs: number, passed: number): number {
    const { qps, coldFactor, warmUpPeriodMs } = this.rule;
    const cold = qps / coldFactor;
    if (nowMs - this.lastBusy >= warmUpPeriodMs && passed < cold) this.warmStart = nowMs;
    if (passed + 1 >= cold) this.lastBusy = nowMs;
    const progress = warmUpPeriodMs <= 0 ? 1 : Math.min(1, (nowMs - this.warmStart) / warmUpPeriodMs);
    return cold + (qps - cold) * progress;
  }
}

/**
 * Pacing (Sentinel's rate limiter): calls are spaced uniformly 1000/qps ms apart instead of
 * passing in bursts; a caller waits for its slot, or is refused when the wait would exceed
 * `maxQueueingTimeMs`.
 *
 * @example
 * ```ts
 * const pacer = new PacingController({ qps: 10, warmUpPeriodMs: 0, coldFactor: 3, maxQueueingTimeMs: 500 });
 * pacer.tryAcquire(0); // { ok: true, waitMs: 0 }, then 100, 200, ... 500, then refused
 * ```
 */
export class PacingController implements FlowController {
  private latestPassed = -Infinity;
  private readonly intervalMs: number;

  constructor(private readonly rule: FlowRuleSettings) {
    this.intervalMs = 1_000 / rule.qps;
  }

  tryAcquire(nowMs: number): LimitDecision {
    const expected = this.latestPassed + this.intervalMs;
    if (expected <= nowMs) {
      this.latestPassed = nowMs;
      return PASS;
    }
    const waitMs = expected - nowMs;
    if (waitMs > this.rule.maxQueueingTimeMs) {
      return { ok: false, retryAfterMs: waitMs - this.rule.maxQueueingTimeMs };
    }
    this.latestPassed = expected;
    return { ok: true, waitMs };
  }

  snapshot(nowMs: number): Record<string, number> {
    return { qps: this.rule.qps, queuedMs: Math.max(0, this.latestPassed - nowMs) };
  }
}

/** Builds a {@link FlowController} from the rule's settings. */
export type FlowControllerFactory = (rule: FlowRuleSettings) => FlowController;

/**
 * The flow-control behaviours by name: `reject`, `warm-up`, `pacing` built in, more through
 * `register()`. One registry per resilience registry (no global state).
 *
 * @example
 * ```ts
 * const behaviours = new FlowControllerRegistry();
 * behaviours.register('fixed-window', (rule) => new FixedWindow(rule.qps));
 * new RateLimitPolicy({ qps: 50, behavior: 'fixed-window' }, { behaviours });
 * ```
 */
export class FlowControllerRegistry {
  private readonly factories = new Map<string, FlowControllerFactory>([
    ['reject', (rule) => new SlidingWindowController(rule)],
    ['warm-up', (rule) => new WarmUpController(rule)],
    ['pacing', (rule) => new PacingController(rule)],
  ]);

  register(name: string, factory: FlowControllerFactory): this {
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  create(name: string, rule: FlowRuleSettings): FlowController {
    const factory = this.factories.get(name);
    if (factory === undefined) throw new UnknownStrategyError('flow-control behaviour', name, this.names());
    return factory(rule);
  }
}
