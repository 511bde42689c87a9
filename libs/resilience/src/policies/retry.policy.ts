import { LatticeError, systemClock, type Clock } from '@lattice/core';
import { invoke } from '../internal/invoke.js';
import { sleep } from '../internal/sleep.js';
import { RetryExhaustedError } from '../resilience.errors.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import type { CallContext, Policy, PolicyWiring, ResilientCall } from './policy.interfaces.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';

/** Options of {@link RetryPolicy}. */
export interface RetryOptions {
  /** Attempts in total, the first one included (1 = no retry). @default 3 */
  maxAttempts?: number;
  /** Back-off cap before jitter for the first retry; doubles (× `multiplier`) per retry. @default 100 */
  initialDelayMs?: number;
  /** Upper bound of any back-off. @default 10000 */
  maxDelayMs?: number;
  /** Growth factor of the back-off. @default 2 */
  multiplier?: number;
  /**
   * Which errors are retried. @default {@link isRetryableError} — a LatticeError's
   * `retryable`, or a Node network error code (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, EAI_AGAIN).
   */
  retryOn?: (error: unknown) => boolean;
  /** Retry budget, or `false` for none (not recommended). @default { ratio: 0.2, windowMs: 10000, minRetries: 3 } */
  budget?: RetryBudgetOptions | false;
  /** Time source for back-off sleeps and the budget window. @default systemClock */
  clock?: Clock;
  /** Random source in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/**
 * The default retry filter: a {@link LatticeError} is retried when it says `retryable`;
 * other errors only when they carry a transient Node network error code.
 *
 * @example
 * ```ts
 * new RetryPolicy({ retryOn: (err) => isRetryableError(err) || err instanceof MyTransientError });
 * ```
 */
export function isRetryableError(error: unknown): boolean {
  if (LatticeError.isLatticeError(error)) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * Retries failed calls with exponential back-off and full jitter (each delay is uniform in
 * [0, min(maxDelayMs, initialDelayMs × multiplier^(retry−1))]), only for retryable errors and
 * only while the retry budget allows. A non-retryable error is rethrown unchanged; when
 * attempts or budget run out, {@link RetryExhaustedError} is thrown with the last error as cause.
 *
 * @example
 * ```ts
 * const retry = new RetryPolicy({ maxAttempts: 4, initialDelayMs: 50 });
 * const shadow = await retry.execute(() => devices.getShadow(id), { key: 'device.getShadow' });
 * ```
 */
export class RetryPolicy implements Policy {
  readonly maxAttempts: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly multiplier: number;
  private readonly retryOn: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** The budget shared by every call through this policy, or undefined when disabled. */
  readonly budget: RetryBudget | undefined;
  private readonly name: string;
  private readonly metrics: ResilienceMetrics;

  constructor(options: RetryOptions = {}, wiring: PolicyWiring = {}) {
    this.name = wiring.name ?? 'default';
    this.metrics = new ResilienceMetrics(wiring.metrics);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.initialDelayMs = options.initialDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.multiplier = options.multiplier ?? 2;
    this.retryOn = options.retryOn ?? isRetryableError;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.budget =
      options.budget === false ? undefined : new RetryBudget({ clock: this.clock, ...(options.budget ?? {}) });
  }

  /** The back-off before retry number `retry` (1-based), jitter included. */
  delayFor(retry: number): number {
    const cap = Math.min(this.maxDelayMs, this.initialDelayMs * this.multiplier ** (retry - 1));
    return this.random() * cap;
  }

  async execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    this.budget?.recordCall();
    let attempt = 1;
    for (;;) {
      try {
        return await invoke(call, attempt === 1 ? context : { ...context, attempt });
      } catch (error) {
        if (!this.retryOn(error) || context.signal?.aborted === true) throw error;
        if (attempt >= this.maxAttempts) {
          this.metrics.retry(this.name, 'exhausted');
          throw new RetryExhaustedError(context.key, attempt, 'attempts', error);
        }
        if (this.budget !== undefined && !this.budget.tryAcquire()) {
          this.metrics.retry(this.name, 'budget_exhausted');
          throw new RetryExhaustedError(context.key, attempt, 'budget', error);
        }
        this.metrics.retry(this.name, 'retried');
        await sleep(this.clock, this.delayFor(attempt), context.signal);
        attempt++;
      }
    }
  }
}
