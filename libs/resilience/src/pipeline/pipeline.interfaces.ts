import type { Clock } from '@lattice/core';
import type { Logger, MetricsRegistry } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import type { CircuitBreakerOptions } from '../breaker/circuit-breaker.interfaces.js';
import type { FlowControllerRegistry } from '../limiting/flow-controllers.js';
import type { RateLimitOptions } from '../limiting/rate-limit.interfaces.js';
import type { BulkheadOptions } from '../policies/bulkhead.policy.js';
import type { FallbackOptions } from '../policies/fallback.policy.js';
import type { RetryOptions } from '../policies/retry.policy.js';

/**
 * The policies of one pipeline; each is optional, `false` switches off one inherited from
 * defaults. Whatever is set, they always compose in this order (outermost first):
 * fallback ∘ retry ∘ circuit breaker ∘ rate limit ∘ bulkhead ∘ timeout ∘ call.
 */
export interface PipelineOptions {
  fallback?: FallbackOptions | false;
  retry?: Omit<RetryOptions, 'clock'> | false;
  circuitBreaker?: Omit<CircuitBreakerOptions, 'clock'> | false;
  rateLimit?: RateLimitOptions | false;
  bulkhead?: BulkheadOptions | false;
  timeout?: { timeoutMs: number } | false;
}

/** What a pipeline needs besides its options. */
export interface PipelineWiring {
  /** Pipeline (policy) name: default call key and `policy` metric label. @default 'default' */
  name?: string;
  /** Time source of every policy. @default systemClock */
  clock?: Clock;
  /** Metrics registry. @default none */
  metrics?: MetricsRegistry;
  /** Logger for failures the caller does not see (Redis down under a fail-open cluster limit). */
  logger?: Logger;
  /** Redis client for cluster-wide rate limits (owned by the caller). */
  redis?: Redis;
  /** Flow-control behaviours by name. @default reject, warm-up, pacing */
  behaviours?: FlowControllerRegistry;
}
