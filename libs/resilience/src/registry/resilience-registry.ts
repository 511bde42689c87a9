import {
  InvalidOptionsError,
  systemClock,
  toValidationProblems,
  type Clock,
  type ValidationProblem,
} from '@lattice/core';
import type { Logger, MetricsRegistry } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import type { BreakerStateChange } from '../breaker/circuit-breaker.interfaces.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import { FlowControllerRegistry } from '../limiting/flow-controllers.js';
import type { PipelineOptions } from '../pipeline/pipeline.interfaces.js';
import { PIPELINE_ORDER, ResiliencePipeline, type PipelineSnapshot } from '../pipeline/resilience-pipeline.js';
import type { CallContext, ResilientCall } from '../policies/policy.interfaces.js';
import { InvalidRulesError, UnknownPolicyError } from '../resilience.errors.js';
import type { RuleSource } from '../rules/rule-source.interfaces.js';
import { flattenIssues, policyRuleSchema, ruleSetSchema, type ResilienceRules } from '../rules/rules.schema.js';

/** Options of a {@link ResilienceRegistry}. */
export interface ResilienceRegistryOptions {
  /** Options every policy starts from (per-policy options merge over them). @default {} */
  defaults?: PipelineOptions;
  /** Policies defined in code, by name. @default {} */
  policies?: Record<string, PipelineOptions>;
  /** Time source of every policy. @default systemClock */
  clock?: Clock;
  /** Metrics registry. @default none */
  metrics?: MetricsRegistry;
  /** Logger for refused rule sets and Redis failures. @default none */
  logger?: Logger;
  /** Redis client for cluster-wide limits (owned by the caller). @default none */
  redis?: Redis;
  /** Flow-control behaviours by name. @default reject, warm-up, pacing */
  behaviours?: FlowControllerRegistry;
}

/** The registry's state for the admin snapshot (the gateway exposes it). */
export interface ResilienceSnapshot {
  readonly policies: readonly PipelineSnapshot[];
  readonly rules: {
    readonly applied: number;
    readonly refused: number;
    readonly lastRefusal?: { readonly atMs: number; readonly problems: readonly ValidationProblem[] };
  };
}

const FUNCTION_KEYS = new Set(['recordError', 'retryOn', 'random', 'clock']);

/**
 * The programmatic policy registry: named pipelines built from
 * defaults < code options (`policies`, `define()`, decorators) < live rules `defaults` <
 * live rules `policies[name]`, each policy's sections merged key by key. A rule change
 * reconfigures the running pipelines in place; an invalid rule set is refused as a whole.
 *
 * @example
 * ```ts
 * const registry = new ResilienceRegistry({ defaults: { timeout: { timeoutMs: 2_000 }, circuitBreaker: {} } });
 * registry.define('device.getShadow', { retry: { maxAttempts: 3 } });
 * const shadow = await registry.execute('device.getShadow', ({ signal }) => api.getShadow(id, { signal }));
 * ```
 */
export class ResilienceRegistry {
  private readonly defaults: PipelineOptions;
  private readonly code = new Map<string, PipelineOptions>();
  private readonly pipelines = new Map<string, ResiliencePipeline>();
  private readonly behaviours: FlowControllerRegistry;
  private readonly metrics: ResilienceMetrics;
  private readonly clock: Clock;
  private readonly breakerListeners = new Set<(change: BreakerStateChange) => void>();
  private rules: ResilienceRules = {};
  private applied = 0;
  private refused = 0;
  private lastRefusal: { atMs: number; problems: readonly ValidationProblem[] } | undefined;

  constructor(private readonly options: ResilienceRegistryOptions = {}) {
    this.behaviours = options.behaviours ?? new FlowControllerRegistry();
    this.metrics = new ResilienceMetrics(options.metrics);
    this.clock = options.clock ?? systemClock;
    const problems = [
      ...this.check(options.defaults, 'defaults'),
      ...Object.entries(options.policies ?? {}).flatMap(([name, policy]) => this.check(policy, `policies.${name}`)),
    ];
    if (problems.length > 0) throw new InvalidOptionsError('ResilienceModule', problems);
    this.defaults = options.defaults ?? {};
    for (const [name, policy] of Object.entries(options.policies ?? {})) this.code.set(name, policy);
  }

  /** Defines (or redefines) a policy in code; a running pipeline is reconfigured. */
  define(name: string, options: PipelineOptions): ResiliencePipeline {
    const problems = this.check(options, name);
    if (problems.length > 0) throw new InvalidOptionsError(`resilience policy "${name}"`, problems);
    this.code.set(name, options);
    const pipeline = this.pipelines.get(name);
    if (pipeline !== undefined) pipeline.reconfigure(this.effective(name));
    return this.get(name);
  }

  /** Whether a policy of this name is defined in code or rules. */
  has(name: string): boolean {
    return this.code.has(name) || this.rules.policies?.[name] !== undefined;
  }

  /** The pipeline of a defined policy (created on first use). */
  get(name: string): ResiliencePipeline {
    let pipeline = this.pipelines.get(name);
    if (pipeline === undefined) {
      if (!this.has(name)) throw new UnknownPolicyError(name, this.names());
      pipeline = new ResiliencePipeline(this.effective(name), {
        name,
        clock: this.clock,
        behaviours: this.behaviours,
        ...(this.options.metrics === undefined ? {} : { metrics: this.options.metrics }),
        ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
        ...(this.options.redis === undefined ? {} : { redis: this.options.redis }),
      });
      pipeline.onBreakerStateChange((change) => {
        for (const listener of this.breakerListeners) listener(change);
      });
      this.pipelines.set(name, pipeline);
    }
    return pipeline;
  }

  /** Runs `call` through the named policy. */
  execute<T>(name: string, call: ResilientCall<T>, context?: Partial<CallContext>): Promise<T> {
    return this.get(name).execute(call, context);
  }

  /** Names of every defined policy. */
  names(): string[] {
    return [...new Set([...this.code.keys(), ...Object.keys(this.rules.policies ?? {})])].sort();
  }

  /** The options a policy runs with now (all layers merged). */
  effective(name: string): PipelineOptions {
    return mergeLayers([this.defaults, this.code.get(name), this.rules.defaults, this.rules.policies?.[name]]);
  }

  /**
   * Validates and applies a whole rule set. Throws {@link InvalidRulesError} listing every
   * problem and changes nothing when any part is invalid.
   */
  applyRules(raw: unknown): void {
    const parsed = ruleSetSchema.safeParse(raw ?? {});
    const problems = parsed.success ? [] : toValidationProblems(flattenIssues(parsed.error.issues));
    if (parsed.success) {
      const rules = parsed.data;
      problems.push(...this.semanticProblems(rules.defaults, 'defaults'));
      for (const [name, policy] of Object.entries(rules.policies ?? {}))
        problems.push(...this.semanticProblems(policy, `policies.${name}`));
    }
    if (problems.length > 0) {
      this.refused++;
      this.lastRefusal = { atMs: this.clock.now(), problems };
      this.metrics.rulesUpdate('refused');
      throw new InvalidRulesError(problems);
    }
    this.rules = parsed.data ?? {};
    this.applied++;
    this.metrics.rulesUpdate('applied');
    for (const [name, pipeline] of this.pipelines) pipeline.reconfigure(this.effective(name));
  }

  /**
   * Applies the source's current rules and every later change. Invalid sets are refused (logged
   * and counted in `resilience_rules_updates_total{outcome="refused"}`); the previous set stays.
   * Returns the unsubscribe function. `logger` defaults to the registry's.
   */
  watch(source: RuleSource, logger: Logger | undefined = this.options.logger): () => void {
    const apply = (raw: unknown): void => {
      try {
        this.applyRules(raw);
        logger?.info({ policies: this.names() }, 'resilience rules applied');
      } catch (error) {
        if (!(error instanceof InvalidRulesError)) throw error;
        logger?.error({ problems: error.data.problems }, error.message);
      }
    };
    apply(source.get());
    return source.watch(apply);
  }

  /** Subscribes to state changes of every breaker of every policy. */
  onBreakerStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.breakerListeners.add(listener);
    return () => this.breakerListeners.delete(listener);
  }

  /** Breaker states, limiter queues and rule status, for an admin endpoint. */
  snapshot(): ResilienceSnapshot {
    return {
      policies: [...this.pipelines.values()].map((pipeline) => pipeline.snapshot()),
      rules: {
        applied: this.applied,
        refused: this.refused,
        ...(this.lastRefusal === undefined ? {} : { lastRefusal: this.lastRefusal }),
      },
    };
  }

  /** Closes every pipeline (breakers, bottleneck queues). */
  async close(): Promise<void> {
    const pipelines = [...this.pipelines.values()];
    this.pipelines.clear();
    this.breakerListeners.clear();
    await Promise.all(pipelines.map((pipeline) => pipeline.close()));
  }

  private check(options: PipelineOptions | undefined, path: string): ValidationProblem[] {
    if (options === undefined) return [];
    const data = stripCode(options);
    const parsed = policyRuleSchema.safeParse(data);
    const problems = parsed.success ? [] : toValidationProblems(flattenIssues(parsed.error.issues));
    return [
      ...problems.map((p) => ({ path: p.path === '' ? path : `${path}.${p.path}`, message: p.message })),
      ...this.semanticProblems(options, path),
    ];
  }

  private semanticProblems(options: PipelineOptions | undefined, path: string): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    const rateLimit = options?.rateLimit;
    if (rateLimit !== undefined && rateLimit !== false) {
      if (rateLimit.behavior !== undefined && !this.behaviours.has(rateLimit.behavior))
        problems.push({
          path: `${path}.rateLimit.behavior`,
          message: `unknown behaviour "${rateLimit.behavior}"; use one of ${this.behaviours.names().join(', ')} or register it`,
        });
      if (rateLimit.cluster !== undefined && this.options.redis === undefined)
        problems.push({
          path: `${path}.rateLimit.cluster`,
          message: 'a cluster-wide limit needs Redis: set the "redis" option of ResilienceModule',
        });
    }
    return problems;
  }
}

/** Merges option layers: later layers win key by key inside each policy; `false` switches a policy off. */
export function mergeLayers(layers: readonly (PipelineOptions | undefined)[]): PipelineOptions {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const stage of PIPELINE_ORDER) {
      const value = layer[stage];
      if (value === undefined) continue;
      merged[stage] = value === false ? false : { ...(merged[stage] || {}), ...value };
    }
  }
  return merged;
}

function stripCode(options: PipelineOptions): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [stage, value] of Object.entries(options)) {
    if (stage === 'fallback') continue;
    if (typeof value !== 'object' || value === null) {
      data[stage] = value;
      continue;
    }
    data[stage] = Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(
        ([k, v]) => !(FUNCTION_KEYS.has(k) && typeof v === 'function'),
      ),
    );
  }
  return data;
}
