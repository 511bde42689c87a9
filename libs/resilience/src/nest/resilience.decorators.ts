import { DiscoveryService } from '@nestjs/core';
import type { CircuitBreakerOptions } from '../breaker/circuit-breaker.interfaces.js';
import type { RateLimitOptions } from '../limiting/rate-limit.interfaces.js';
import type { BulkheadOptions } from '../policies/bulkhead.policy.js';
import type { FallbackOptions } from '../policies/fallback.policy.js';
import type { RetryOptions } from '../policies/retry.policy.js';

/** Options of {@link RateLimit}: the flow rules, plus where the hot parameter comes from. */
export interface RateLimitDecoratorOptions extends RateLimitOptions {
  /**
   * The hot-parameter value: on a provider method it receives the method's arguments; on a
   * controller handler guarded by {@link RateLimitGuard}, the HTTP request.
   */
  paramFrom?: (...args: never[]) => string | undefined;
  /** Policy name (and limit key). @default `${ClassName}.${methodName}` */
  policy?: string;
}

/** Options of {@link Fallback}: a value, a function of the error, or a sibling method's name. */
export interface FallbackDecoratorOptions extends FallbackOptions {
  /** Name of a method of the same provider called with the original arguments then the error. */
  method?: string;
}

/**
 * Puts a provider method behind a circuit breaker (key: `Class.method`). Stack with the other
 * decorators; they compose in the fixed pipeline order whatever their order on the method.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class DeviceClient {
 *   @CircuitBreaker({ minimumCalls: 10, openDurationMs: 10_000 })
 *   @Timeout({ timeoutMs: 2_000 })
 *   getShadow(id: string): Promise<Shadow> { return this.http.get(`/devices/${id}/shadow`); }
 * }
 * ```
 */
export const CircuitBreaker = DiscoveryService.createDecorator<Omit<CircuitBreakerOptions, 'clock'>>();

/**
 * Rate-limits a provider method, or (with {@link RateLimitGuard}) a controller handler.
 *
 * @example
 * ```ts
 * @RateLimit({ qps: 20, hotParam: { qps: 2 }, paramFrom: (hubId: string) => hubId })
 * sendCommand(hubId: string, command: Command) { ... }
 * ```
 */
export const RateLimit = DiscoveryService.createDecorator<RateLimitDecoratorOptions>();

/**
 * Bounds a provider method's concurrent calls and queue.
 *
 * @example
 * ```ts
 * @Bulkhead({ maxConcurrent: 8, maxQueue: 32 })
 * exportReport(id: string) { ... }
 * ```
 */
export const Bulkhead = DiscoveryService.createDecorator<BulkheadOptions>();

/**
 * Retries a provider method on retryable errors, with back-off, jitter and a retry budget.
 *
 * @example
 * ```ts
 * @Retry({ maxAttempts: 3, initialDelayMs: 50 })
 * listDevices(homeId: string) { ... }
 * ```
 */
export const Retry = DiscoveryService.createDecorator<Omit<RetryOptions, 'clock' | 'random'>>();

/**
 * Bounds a provider method's duration (the caller gets TimeoutError at the deadline).
 *
 * @example
 * ```ts
 * @Timeout({ timeoutMs: 1_500 })
 * lookup(id: string) { ... }
 * ```
 */
export const Timeout = DiscoveryService.createDecorator<{ timeoutMs: number }>();

/**
 * Gives a provider method a fallback answer.
 *
 * @example
 * ```ts
 * @Fallback({ method: 'cachedShadow' })
 * getShadow(id: string) { ... }
 * cachedShadow(id: string, error: unknown) { return this.cache.get(id); }
 * ```
 */
export const Fallback = DiscoveryService.createDecorator<FallbackDecoratorOptions>();
