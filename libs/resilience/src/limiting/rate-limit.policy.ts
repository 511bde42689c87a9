import { systemClock, type Clock } from '@lattice/core';
import type { Logger, MetricsRegistry } from '@lattice/telemetry';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import { invoke } from '../internal/invoke.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import { sleep } from '../internal/sleep.js';
import type { CallContext, Policy, ResilientCall } from '../policies/policy.interfaces.js';
import { RateLimitedError } from '../resilience.errors.js';
import { ClusterRateLimiter } from './cluster-rate-limiter.js';
import { FlowControllerRegistry } from './flow-controllers.js';
import { HotParamLimiter } from './hot-param-limiter.js';
import type { FlowController, LimitDecision, RateLimitOptions } from './rate-limit.interfaces.js';

/** Wiring of a {@link RateLimitPolicy}: what cannot come from rules. */
export interface RateLimitWiring {
  /** Policy name in metrics and errors. @default 'default' */
  name?: string;
  /** Time source of the local limits. @default systemClock */
  clock?: Clock;
  /** Redis client for `cluster` limits (owned by the caller). */
  redis?: Redis;
  /** Behaviours by name. @default a registry with reject, warm-up, pacing */
  behaviours?: FlowControllerRegistry;
  /** Metrics registry. @default none */
  metrics?: MetricsRegistry;
  /** Where a failing Redis is reported. @default none */
  logger?: Logger;
}

/** Default rate-limit settings. */
export const RATE_LIMIT_DEFAULTS = {
  behavior: 'reject',
  warmUpPeriodMs: 10_000,
  coldFactor: 3,
  maxQueueingTimeMs: 500,
} as const;

/** A rate-limit policy's counters for the admin snapshot. */
export interface RateLimitSnapshot {
  readonly flow?: Record<string, number>;
  /** Calls running (tracked when a concurrency limit or bottleneck is set, else 0). */
  readonly running: number;
  readonly hotParamKeys: number;
  readonly bottleneck?: { readonly queued: number; readonly running: number };
}

/**
 * Sentinel-style flow rules around a call, checked in this order: hot parameter, QPS
 * (reject / warm-up / pacing), cluster-wide (Redis), concurrency, then bottleneck's local
 * queue. A refused call fails with {@link RateLimitedError} carrying `retryAfterMs`.
 *
 * @example
 * ```ts
 * const limit = new RateLimitPolicy({ qps: 200, hotParam: { qps: 5 } }, { name: 'commands' });
 * await limit.execute(() => sendCommand(cmd), { key: 'commands', param: cmd.hubId });
 * ```
 */
export class RateLimitPolicy implements Policy {
  private readonly name: string;
  private readonly clock: Clock;
  private readonly flow: FlowController | undefined;
  private readonly hot: HotParamLimiter | undefined;
  private readonly cluster: ClusterRateLimiter | undefined;
  private readonly failOpen: boolean;
  private readonly concurrency: number;
  private readonly bottleneck: Bottleneck | undefined;
  private readonly metrics: ResilienceMetrics;
  private readonly logger: Logger | undefined;
  private running = 0;
  private readonly release = (): void => {
    this.running--;
  };

  constructor(options: RateLimitOptions, wiring: RateLimitWiring = {}) {
    this.name = wiring.name ?? 'default';
    this.clock = wiring.clock ?? systemClock;
    this.metrics = new ResilienceMetrics(wiring.metrics);
    this.logger = wiring.logger;
    if (options.qps !== undefined) {
      const behaviours = wiring.behaviours ?? new FlowControllerRegistry();
      this.flow = behaviours.create(options.behavior ?? RATE_LIMIT_DEFAULTS.behavior, {
        qps: options.qps,
        warmUpPeriodMs: options.warmUpPeriodMs ?? RATE_LIMIT_DEFAULTS.warmUpPeriodMs,
        coldFactor: options.coldFactor ?? RATE_LIMIT_DEFAULTS.coldFactor,
        maxQueueingTimeMs: options.maxQueueingTimeMs ?? RATE_LIMIT_DEFAULTS.maxQueueingTimeMs,
      });
    }
    if (options.hotParam !== undefined) this.hot = new HotParamLimiter(options.hotParam);
    if (options.cluster !== undefined) {
      if (wiring.redis === undefined)
        throw new TypeError(
          `Rate limit "${this.name}" has a cluster limit but no Redis client; pass one in the wiring (ResilienceModule option "redis").`,
        );
      this.cluster = new ClusterRateLimiter(wiring.redis, options.cluster);
    }
    this.failOpen = options.cluster?.failOpen ?? true;
    this.concurrency = options.concurrency ?? Infinity;
    if (options.bottleneck !== undefined) {
      const { maxConcurrent, minTimeMs, maxQueue } = options.bottleneck;
      this.bottleneck = new Bottleneck({
        maxConcurrent: maxConcurrent ?? null,
        minTime: minTimeMs ?? 0,
        highWater: maxQueue ?? null,
        strategy: Bottleneck.strategy.OVERFLOW,
      });
    }
  }

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    const now = this.clock.now();
    if (this.hot !== undefined && context.param !== undefined) {
      const decision = this.hot.tryAcquire(now, context.param);
      if (!decision.ok) return this.refuse(context, decision.retryAfterMs, 'hot-param');
    }
    let waitMs = 0;
    if (this.flow !== undefined) {
      const decision = this.flow.tryAcquire(now);
      if (!decision.ok) return this.refuse(context, decision.retryAfterMs, 'qps');
      waitMs = decision.waitMs;
    }
    if (waitMs > 0 || this.cluster !== undefined) return this.slowPath(call, context, waitMs);
    return this.run(call, context);
  }

  /** Counters for the admin snapshot. */
  snapshot(): RateLimitSnapshot {
    const counts = this.bottleneck?.counts();
    return {
      ...(this.flow === undefined ? {} : { flow: this.flow.snapshot(this.clock.now()) }),
      running: this.running,
      hotParamKeys: this.hot?.size ?? 0,
      ...(counts === undefined
        ? {}
        : { bottleneck: { queued: counts.QUEUED + counts.RECEIVED, running: counts.RUNNING + counts.EXECUTING } }),
    };
  }

  /** Stops bottleneck, dropping queued jobs. */
  async close(): Promise<void> {
    await this.bottleneck?.stop({ dropWaitingJobs: true });
  }

  private async slowPath<T>(call: ResilientCall<T>, context: CallContext, waitMs: number): Promise<T> {
    if (waitMs > 0) await sleep(this.clock, waitMs, context.signal);
    if (this.cluster !== undefined) {
      let decision: LimitDecision;
      try {
        decision = await this.cluster.tryAcquire(context.key);
      } catch (error) {
        this.logger?.warn({ err: error, policy: this.name }, 'cluster rate limit unavailable (Redis failed)');
        if (!this.failOpen) return this.refuse(context, 1_000, 'cluster');
        decision = { ok: true, waitMs: 0 };
      }
      if (!decision.ok) return this.refuse(context, decision.retryAfterMs, 'cluster');
    }
    return this.run(call, context);
  }

  private run<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    if (this.concurrency === Infinity && this.bottleneck === undefined) return invoke(call, context);
    if (this.running >= this.concurrency) return this.refuse(context, 0, 'concurrency');
    this.running++;
    const result =
      this.bottleneck === undefined ? invoke(call, context) : this.viaBottleneck(this.bottleneck, call, context);
    result.then(this.release, this.release);
    return result;
  }

  private viaBottleneck<T>(bottleneck: Bottleneck, call: ResilientCall<T>, context: CallContext): Promise<T> {
    return bottleneck
      .schedule(() => invoke(call, context))
      .catch((error: unknown) => {
        if (error instanceof Bottleneck.BottleneckError) return this.refuse(context, 0, 'bottleneck');
        throw error;
      });
  }

  private refuse(context: CallContext, retryAfterMs: number, limit: string): Promise<never> {
    this.metrics.rejected(this.name, 'rate_limited');
    return Promise.reject(new RateLimitedError(context.key, retryAfterMs, limit));
  }
}
