import { systemClock } from '@lattice/core';
import { LruMap } from '../internal/lru-map.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import type { CallContext, Policy, PolicyWiring, ResilientCall } from '../policies/policy.interfaces.js';
import { Breaker, defaultRecordError, type BreakerSettings } from './breaker.js';
import type {
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CircuitBreakerOptions,
} from './circuit-breaker.interfaces.js';

/** Default circuit breaker options (one constant, merged in {@link CircuitBreakerPolicy}'s constructor). */
export const CIRCUIT_BREAKER_DEFAULTS = {
  slidingWindow: 'count',
  windowSizeCalls: 100,
  windowDurationMs: 10_000,
  minimumCalls: 20,
  failureRateThresholdPercent: 50,
  slowCallDurationMs: 5_000,
  slowCallRateThresholdPercent: 100,
  openDurationMs: 30_000,
  halfOpenPermittedCalls: 5,
  maxBreakers: 1_000,
} as const satisfies CircuitBreakerOptions;

/**
 * Circuit breakers per key (service + method + instance), created lazily and bounded by an
 * LRU of `maxBreakers`. Closed → open when, over at least `minimumCalls` calls of the
 * (count- or time-based) window, the failure rate or the slow-call rate reaches its threshold;
 * open → half-open after `openDurationMs`; half-open lets `halfOpenPermittedCalls` trial calls
 * through and closes, or opens again, on their rates. Built on opossum (see the README).
 *
 * @example
 * ```ts
 * const breakers = new CircuitBreakerPolicy({ minimumCalls: 10, openDurationMs: 5_000 }, { name: 'device' });
 * breakers.onStateChange((change) => log.warn(change, 'breaker changed state'));
 * await breakers.execute(() => device.getShadow(id), { key: `device:getShadow:${instanceId}` });
 * ```
 */
export class CircuitBreakerPolicy implements Policy {
  private readonly settings: BreakerSettings;
  private readonly breakers: LruMap<string, Breaker>;
  private readonly listeners = new Set<(change: BreakerStateChange) => void>();
  private readonly name: string;
  private readonly metrics: ResilienceMetrics;

  constructor(options: CircuitBreakerOptions = {}, wiring: PolicyWiring = {}) {
    const merged = { ...CIRCUIT_BREAKER_DEFAULTS, ...stripUndefined(options) };
    this.settings = {
      slidingWindow: merged.slidingWindow,
      windowSizeCalls: merged.windowSizeCalls,
      windowDurationMs: merged.windowDurationMs,
      minimumCalls: merged.minimumCalls,
      failureRateThresholdPercent: merged.failureRateThresholdPercent,
      slowCallDurationMs: merged.slowCallDurationMs,
      slowCallRateThresholdPercent: merged.slowCallRateThresholdPercent,
      openDurationMs: merged.openDurationMs,
      halfOpenPermittedCalls: merged.halfOpenPermittedCalls,
      recordError: options.recordError ?? defaultRecordError,
      clock: options.clock ?? systemClock,
    };
    this.name = wiring.name ?? 'default';
    this.metrics = new ResilienceMetrics(wiring.metrics);
    this.breakers = new LruMap(merged.maxBreakers, (_key, breaker) => breaker.shutdown());
  }

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    return this.breaker(context.key).execute(call, context);
  }

  /** The state of `key`'s breaker (`closed` if it does not exist yet). */
  state(key: string): BreakerState {
    return this.breakers.peek(key)?.state ?? 'closed';
  }

  /** Number of per-key breakers alive. */
  get size(): number {
    return this.breakers.size;
  }

  /** Subscribes to state changes of every breaker of this policy; returns the unsubscribe function. */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every live breaker's state and rates. */
  snapshot(): BreakerSnapshot[] {
    return [...this.breakers.entries()].map(([, breaker]) => breaker.snapshot());
  }

  /** Shuts down every breaker (opossum listeners, metric series). */
  close(): void {
    this.breakers.clear();
    this.listeners.clear();
  }

  private breaker(key: string): Breaker {
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = new Breaker(key, this.settings, this.metrics.breaker(this.name, key), (k, from, to) =>
        this.emit(k, from, to),
      );
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private emit(key: string, from: BreakerState, to: BreakerState): void {
    const change: BreakerStateChange = { policy: this.name, key, from, to, atMs: this.settings.clock.now() };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not break the call that caused the transition.
      }
    }
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
