import { LatticeError, type ErrorData } from '@lattice/core';
import {
  breakerOpenMessage,
  bulkheadFullMessage,
  invalidRulesMessage,
  rateLimitedMessage,
  retryExhaustedMessage,
  timeoutMessage,
  unknownPolicyMessage,
  unknownStrategyMessage,
} from './resilience.messages.js';
import type { ValidationProblem } from '@lattice/core';

/**
 * The circuit breaker for `key` is open (or half-open with all trial calls taken): the call
 * was refused without reaching the dependency. HTTP 503.
 *
 * @example
 * ```ts
 * try { await pipeline.execute(call, { key: 'device' }); }
 * catch (err) { if (err instanceof BreakerOpenError) log.warn({ retryAfterMs: err.data.retryAfterMs }, 'device down'); }
 * ```
 */
export class BreakerOpenError extends LatticeError<{ readonly key: string; readonly retryAfterMs: number }> {
  constructor(key: string, retryAfterMs: number) {
    super('RESILIENCE_BREAKER_OPEN', breakerOpenMessage(key, retryAfterMs), {
      data: { key, retryAfterMs },
      status: 503,
    });
  }
}

/**
 * A rate limit (QPS, concurrency, pacing, hot parameter or cluster-wide) refused the call.
 * `retryAfterMs` says when a call may pass; HTTP 429 with `Retry-After` at the edge.
 *
 * @example
 * ```ts
 * if (err instanceof RateLimitedError) res.setHeader('Retry-After', Math.ceil(err.data.retryAfterMs / 1000));
 * ```
 */
export class RateLimitedError extends LatticeError<{
  readonly key: string;
  readonly retryAfterMs: number;
  readonly limit: string;
}> {
  constructor(key: string, retryAfterMs: number, limit: string) {
    super('RESILIENCE_RATE_LIMITED', rateLimitedMessage(key, retryAfterMs), {
      data: { key, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)), limit },
      status: 429,
      retryable: true,
    });
  }
}

/**
 * The bulkhead for `key` has all slots running and its queue full. HTTP 503.
 *
 * @example
 * ```ts
 * if (err instanceof BulkheadFullError) return cachedAnswer;
 * ```
 */
export class BulkheadFullError extends LatticeError<{
  readonly key: string;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
}> {
  constructor(key: string, maxConcurrent: number, maxQueue: number) {
    super('RESILIENCE_BULKHEAD_FULL', bulkheadFullMessage(key, maxConcurrent, maxQueue), {
      data: { key, maxConcurrent, maxQueue },
      status: 503,
    });
  }
}

/**
 * The call did not finish within its timeout; its AbortSignal was aborted. Retryable, HTTP 504.
 *
 * @example
 * ```ts
 * await timeout.execute(({ signal }) => fetch(url, { signal }), { key: 'weather' }); // may throw TimeoutError
 * ```
 */
export class TimeoutError extends LatticeError<{ readonly key: string; readonly timeoutMs: number }> {
  constructor(key: string, timeoutMs: number) {
    super('RESILIENCE_TIMEOUT', timeoutMessage(key, timeoutMs), {
      data: { key, timeoutMs },
      status: 504,
      retryable: true,
    });
  }
}

/**
 * Every permitted attempt failed with a retryable error (`reason: 'attempts'`), or the retry
 * budget refused a further retry (`reason: 'budget'`). `cause` is the last error; the HTTP
 * status is the last error's when it has one, else 503.
 *
 * @example
 * ```ts
 * if (err instanceof RetryExhaustedError) log.error({ attempts: err.data.attempts, cause: err.cause }, 'gave up');
 * ```
 */
export class RetryExhaustedError extends LatticeError<{
  readonly key: string;
  readonly attempts: number;
  readonly reason: 'attempts' | 'budget';
}> {
  constructor(key: string, attempts: number, reason: 'attempts' | 'budget', cause: unknown) {
    super('RESILIENCE_RETRY_EXHAUSTED', retryExhaustedMessage(key, attempts, reason), {
      data: { key, attempts, reason },
      cause,
      status: LatticeError.isLatticeError(cause) ? cause.status : 503,
    });
  }
}

/**
 * A resilience rule set (module options or live `resilience.rules`) is invalid; every problem
 * is listed. A live set that fails is refused as a whole and the previous set stays.
 *
 * @example
 * ```ts
 * try { registry.applyRules(raw); } catch (err) { if (err instanceof InvalidRulesError) console.error(err.data.problems); }
 * ```
 */
export class InvalidRulesError extends LatticeError<{ readonly problems: readonly ValidationProblem[] }> {
  constructor(problems: readonly ValidationProblem[]) {
    super('RESILIENCE_INVALID_RULES', invalidRulesMessage(problems), { data: { problems }, status: 500 });
  }
}

/**
 * A limiter strategy name was not registered.
 *
 * @example
 * ```ts
 * limiterStrategies.create('token-bucket', rule); // throws UnknownStrategyError unless registered
 * ```
 */
export class UnknownStrategyError extends LatticeError<{ readonly kind: string; readonly name: string }> {
  constructor(kind: string, name: string, known: readonly string[]) {
    super('RESILIENCE_UNKNOWN_STRATEGY', unknownStrategyMessage(kind, name, known), { data: { kind, name } });
  }
}

/**
 * No policy with this name is defined in the registry.
 *
 * @example
 * ```ts
 * registry.execute('nope', call); // throws UnknownPolicyError
 * ```
 */
export class UnknownPolicyError extends LatticeError<{ readonly name: string }> {
  constructor(name: string, known: readonly string[]) {
    super('RESILIENCE_UNKNOWN_POLICY', unknownPolicyMessage(name, known), { data: { name } });
  }
}

/** @internal True for errors that resilience policies raise themselves (never counted as dependency failures twice). */
export function isResilienceError(error: unknown): error is LatticeError<ErrorData> {
  return LatticeError.isLatticeError(error) && error.code.startsWith('RESILIENCE_');
}
