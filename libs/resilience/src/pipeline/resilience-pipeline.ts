import { systemClock } from '@lattice/core';
import type { BreakerSnapshot, BreakerStateChange } from '../breaker/circuit-breaker.interfaces.js';
import { CircuitBreakerPolicy } from '../breaker/circuit-breaker.policy.js';
import { invoke } from '../internal/invoke.js';
import { RateLimitPolicy, type RateLimitSnapshot } from '../limiting/rate-limit.policy.js';
import { BulkheadPolicy } from '../policies/bulkhead.policy.js';
import { FallbackPolicy } from '../policies/fallback.policy.js';
import type { CallContext, Policy, ResilientCall } from '../policies/policy.interfaces.js';
import { RetryPolicy } from '../policies/retry.policy.js';
import { TimeoutPolicy } from '../policies/timeout.policy.js';
import type { PipelineOptions, PipelineWiring } from './pipeline.interfaces.js';

type StageName = 'fallback' | 'retry' | 'circuitBreaker' | 'rateLimit' | 'bulkhead' | 'timeout';

/** The fixed composition order, outermost first. */
export const PIPELINE_ORDER: readonly StageName[] = [
  'fallback',
  'retry',
  'circuitBreaker',
  'rateLimit',
  'bulkhead',
  'timeout',
];

type Run = (call: ResilientCall<unknown>, context: CallContext) => Promise<unknown>;

/** A pipeline's state for the admin snapshot. */
export interface PipelineSnapshot {
  readonly name: string;
  readonly policies: readonly StageName[];
  readonly breakers: readonly BreakerSnapshot[];
  readonly bulkhead?: { readonly active: number; readonly queued: number };
  readonly rateLimit?: RateLimitSnapshot;
  readonly retryBudget?: { readonly calls: number; readonly retries: number };
}

/**
 * The policies of one protected operation composed in the fixed order
 * fallback ∘ retry ∘ circuit breaker ∘ rate limit ∘ bulkhead ∘ timeout ∘ call. So a timeout
 * counts as a breaker failure and is retried; a refusal by the open breaker is not retried;
 * the fallback sees only what is left. `reconfigure()` swaps the options live, rebuilding only
 * the policies whose options changed (an unchanged breaker keeps its state).
 *
 * @example
 * ```ts
 * const pipeline = new ResiliencePipeline(
 *   { timeout: { timeoutMs: 2_000 }, retry: { maxAttempts: 3 }, circuitBreaker: {}, fallback: { value: [] } },
 *   { name: 'device.listDevices' },
 * );
 * const devices = await pipeline.execute(({ signal }) => client.listDevices(homeId, { signal }));
 * ```
 */
export class ResiliencePipeline {
  readonly name: string;
  private options: PipelineOptions = {};
  private readonly stages = new Map<StageName, Policy>();
  private run: Run = invoke;
  private readonly defaultContext: CallContext;
  private readonly breakerListeners = new Set<(change: BreakerStateChange) => void>();
  private unsubscribeBreaker: (() => void) | undefined;

  constructor(
    options: PipelineOptions,
    private readonly wiring: PipelineWiring = {},
  ) {
    this.name = wiring.name ?? 'default';
    this.defaultContext = { key: this.name };
    this.reconfigure(options);
  }

  /**
   * Runs `call` through the pipeline. `context.key` defaults to the pipeline's name; give a
   * finer key (service + method + instance) for per-key breakers.
   */
  execute<T>(call: ResilientCall<T>, context?: Partial<CallContext>): Promise<T> {
    const ctx =
      context === undefined
        ? this.defaultContext
        : context.key === undefined
          ? { ...context, key: this.name }
          : (context as CallContext);
    return this.run(call, ctx) as Promise<T>;
  }

  /** The options in force. */
  get current(): PipelineOptions {
    return this.options;
  }

  /** The rate-limit policy, when one is configured (the HTTP guard uses it alone). */
  get rateLimit(): RateLimitPolicy | undefined {
    return this.stages.get('rateLimit') as RateLimitPolicy | undefined;
  }

  /** Subscribes to state changes of this pipeline's breakers (kept across reconfiguration). */
  onBreakerStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.breakerListeners.add(listener);
    return () => this.breakerListeners.delete(listener);
  }

  /** Applies new options; policies whose options did not change keep their state. */
  reconfigure(options: PipelineOptions): void {
    const previous = this.options;
    const retired: Policy[] = [];
    for (const stage of PIPELINE_ORDER) {
      const next = options[stage];
      if (this.stages.has(stage) && sameOptions(previous[stage], next)) continue;
      const old = this.stages.get(stage);
      if (old !== undefined) retired.push(old);
      this.stages.delete(stage);
      if (next !== undefined && next !== false) this.stages.set(stage, this.build(stage, next));
    }
    this.options = options;
    this.compose();
    for (const policy of retired) void closePolicy(policy);
  }

  snapshot(): PipelineSnapshot {
    const breaker = this.stages.get('circuitBreaker') as CircuitBreakerPolicy | undefined;
    const bulkhead = this.stages.get('bulkhead') as BulkheadPolicy | undefined;
    const retry = this.stages.get('retry') as RetryPolicy | undefined;
    return {
      name: this.name,
      policies: PIPELINE_ORDER.filter((stage) => this.stages.has(stage)),
      breakers: breaker?.snapshot() ?? [],
      ...(bulkhead === undefined ? {} : { bulkhead: { active: bulkhead.active, queued: bulkhead.queued } }),
      ...(this.rateLimit === undefined ? {} : { rateLimit: this.rateLimit.snapshot() }),
      ...(retry?.budget === undefined ? {} : { retryBudget: retry.budget.snapshot() }),
    };
  }

  /** Closes breakers and limiters (bottleneck queues). */
  async close(): Promise<void> {
    this.unsubscribeBreaker?.();
    const policies = [...this.stages.values()];
    this.stages.clear();
    this.compose();
    await Promise.all(policies.map((policy) => closePolicy(policy)));
  }

  private build(stage: StageName, options: Exclude<PipelineOptions[StageName], undefined | false>): Policy {
    const clock = this.wiring.clock ?? systemClock;
    const wiring = { name: this.name, ...(this.wiring.metrics === undefined ? {} : { metrics: this.wiring.metrics }) };
    switch (stage) {
      case 'fallback':
        return new FallbackPolicy(options as PipelineOptions['fallback'] & object);
      case 'retry':
        return new RetryPolicy({ ...options, clock }, wiring);
      case 'circuitBreaker':
        return new CircuitBreakerPolicy({ ...options, clock }, wiring);
      case 'rateLimit':
        return new RateLimitPolicy(options as PipelineOptions['rateLimit'] & object, {
          ...this.wiring,
          ...wiring,
          clock,
        });
      case 'bulkhead':
        return new BulkheadPolicy(options as PipelineOptions['bulkhead'] & object, wiring);
      case 'timeout':
        return new TimeoutPolicy({ ...(options as { timeoutMs: number }), clock }, wiring);
    }
  }

  private compose(): void {
    let run: Run = invoke;
    for (let i = PIPELINE_ORDER.length - 1; i >= 0; i--) {
      const policy = this.stages.get(PIPELINE_ORDER[i]!);
      if (policy === undefined) continue;
      const inner = run;
      run = (call, context) => policy.execute((ctx) => inner(call, ctx), context);
    }
    this.run = run;
    this.unsubscribeBreaker?.();
    const breaker = this.stages.get('circuitBreaker') as CircuitBreakerPolicy | undefined;
    this.unsubscribeBreaker = breaker?.onStateChange((change) => {
      for (const listener of this.breakerListeners) listener(change);
    });
  }
}

async function closePolicy(policy: Policy): Promise<void> {
  if (policy instanceof CircuitBreakerPolicy) policy.close();
  if (policy instanceof TimeoutPolicy) policy.close();
  if (policy instanceof RateLimitPolicy) await policy.close();
}

/** Structural equality of option objects; functions compare by identity. */
export function sameOptions(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => sameOptions((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
