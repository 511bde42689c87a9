import type { Clock } from '@lattice/core';
import {
  CircuitBreakerPolicy,
  ClusterRateLimiter,
  RateLimitPolicy,
  RateLimitedError,
  type BreakerSnapshot,
  type RateLimitSnapshot,
} from '@lattice/resilience';
import type { Logger, MetricsRegistry } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import type { CompiledRoute } from '../routes/route-table.js';

interface Limiter {
  readonly spec: string;
  acquire(who: string): Promise<unknown>;
  snapshot(): RateLimitSnapshot | { readonly cluster: true; readonly qps: number };
  close(): Promise<void>;
}

interface Breaker {
  readonly spec: string;
  readonly policy: CircuitBreakerPolicy;
}

/** Wiring of {@link RoutePolicies}. */
export interface RoutePoliciesWiring {
  readonly clock: Clock;
  /** Redis for cluster-wide limits (redis mode); none: limits are per instance. */
  readonly redis: Redis | null;
  readonly metrics?: MetricsRegistry;
  readonly logger?: Logger;
}

const noop = (): undefined => undefined;

/**
 * The stateful side of routes (rate limiters, breakers), kept per route id across route
 * table reloads while a route's options stay the same; a changed option starts fresh.
 *
 * @example
 * ```ts
 * const policies = new RoutePolicies({ clock: systemClock, redis: null });
 * policies.sync(table.routes);
 * await policies.limit(route, 'user:u1');
 * ```
 */
export class RoutePolicies {
  private readonly limiters = new Map<string, Limiter>();
  private readonly breakers = new Map<string, Breaker>();

  constructor(private readonly wiring: RoutePoliciesWiring) {}

  /** Builds what new or changed routes need and closes what removed routes had. */
  sync(routes: readonly CompiledRoute[]): void {
    const ids = new Set(routes.map((r) => r.id));
    for (const route of routes) {
      const limitSpec = route.rateLimit === undefined ? undefined : JSON.stringify(route.rateLimit);
      const limiter = this.limiters.get(route.id);
      if (limiter !== undefined && limiter.spec !== limitSpec) {
        void limiter.close();
        this.limiters.delete(route.id);
      }
      if (route.rateLimit !== undefined && limitSpec !== undefined && !this.limiters.has(route.id))
        this.limiters.set(route.id, this.buildLimiter(route.id, route.rateLimit, limitSpec));

      const breakerSpec = route.circuitBreaker === undefined ? undefined : JSON.stringify(route.circuitBreaker);
      const breaker = this.breakers.get(route.id);
      if (breaker !== undefined && breaker.spec !== breakerSpec) {
        breaker.policy.close();
        this.breakers.delete(route.id);
      }
      if (route.circuitBreaker !== undefined && breakerSpec !== undefined && !this.breakers.has(route.id)) {
        const { fallback: _fallback, statuses: _statuses, ...options } = route.circuitBreaker;
        this.breakers.set(route.id, {
          spec: breakerSpec,
          policy: new CircuitBreakerPolicy(
            { ...options, clock: this.wiring.clock },
            { name: `gateway:${route.id}`, ...(this.wiring.metrics ? { metrics: this.wiring.metrics } : {}) },
          ),
        });
      }
    }
    for (const [id, limiter] of this.limiters) {
      if (ids.has(id)) continue;
      void limiter.close();
      this.limiters.delete(id);
    }
    for (const [id, breaker] of this.breakers) {
      if (ids.has(id)) continue;
      breaker.policy.close();
      this.breakers.delete(id);
    }
  }

  /**
   * Takes a permit for `who` on the route: the promise rejects with `RESILIENCE_RATE_LIMITED`
   * (429) when refused; undefined when the route has no limiter.
   */
  limit(route: CompiledRoute, who: string): Promise<unknown> | undefined {
    return this.limiters.get(route.id)?.acquire(who);
  }

  /** The route's breaker, if it has one. */
  breaker(route: CompiledRoute): CircuitBreakerPolicy | undefined {
    return this.breakers.get(route.id)?.policy;
  }

  /** Admin view: breakers and limiters per route. */
  snapshot(): { breakers: Record<string, BreakerSnapshot[]>; limiters: Record<string, unknown> } {
    const breakers: Record<string, BreakerSnapshot[]> = {};
    for (const [id, b] of this.breakers) breakers[id] = b.policy.snapshot();
    const limiters: Record<string, unknown> = {};
    for (const [id, l] of this.limiters) limiters[id] = l.snapshot();
    return { breakers, limiters };
  }

  async close(): Promise<void> {
    for (const b of this.breakers.values()) b.policy.close();
    this.breakers.clear();
    await Promise.all([...this.limiters.values()].map((l) => l.close()));
    this.limiters.clear();
  }

  private buildLimiter(routeId: string, options: NonNullable<CompiledRoute['rateLimit']>, spec: string): Limiter {
    const burst = options.burst ?? Math.max(1, Math.round(options.qps / 10));
    const redis = this.wiring.redis;
    if (redis !== null) {
      const cluster = new ClusterRateLimiter(redis, { qps: options.qps, burst, keyPrefix: 'lattice:gateway:rl:' });
      const logger = this.wiring.logger;
      return {
        spec,
        async acquire(who) {
          const key = `${routeId}:${spec.length}:${who}`;
          let decision;
          try {
            decision = await cluster.tryAcquire(key);
          } catch (error) {
            // Fail open: a Redis outage must not take the API down with it.
            logger?.warn({ err: error, route: routeId }, 'cluster rate limit unavailable; request let through');
            return;
          }
          if (!decision.ok) throw new RateLimitedError(`gateway:${routeId}`, decision.retryAfterMs, 'cluster');
        },
        snapshot: () => ({ cluster: true, qps: options.qps }),
        close: () => Promise.resolve(),
      };
    }
    const policy = new RateLimitPolicy(
      { hotParam: { qps: options.qps, burst, maxKeys: 100_000 } },
      {
        name: `gateway:${routeId}`,
        clock: this.wiring.clock,
        ...(this.wiring.metrics ? { metrics: this.wiring.metrics } : {}),
      },
    );
    const key = `gateway:${routeId}`;
    return {
      spec,
      acquire: (who) => policy.execute(noop, { key, param: who }),
      snapshot: () => policy.snapshot(),
      close: () => policy.close(),
    };
  }
}
