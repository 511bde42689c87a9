import { z } from 'zod';
import type { PipelineOptions } from '../pipeline/pipeline.interfaces.js';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();
const percent = z.number().gt(0).lte(100);

const timeout = z.object({ timeoutMs: positiveInt }).strict();

const retry = z
  .object({
    maxAttempts: positiveInt,
    initialDelayMs: nonNegative,
    maxDelayMs: nonNegative,
    multiplier: z.number().gte(1),
    budget: z.union([
      z.literal(false),
      z
        .object({ ratio: z.number().gte(0).lte(1), windowMs: positiveInt, minRetries: z.number().int().nonnegative() })
        .partial()
        .strict(),
    ]),
  })
  .partial()
  .strict();

const circuitBreaker = z
  .object({
    slidingWindow: z.enum(['count', 'time']),
    windowSizeCalls: positiveInt,
    windowDurationMs: positiveInt,
    minimumCalls: positiveInt,
    failureRateThresholdPercent: percent,
    slowCallDurationMs: positiveInt,
    slowCallRateThresholdPercent: percent,
    openDurationMs: positiveInt,
    halfOpenPermittedCalls: positiveInt,
    maxBreakers: positiveInt,
  })
  .partial()
  .strict();

const rateLimit = z
  .object({
    qps: z.number().positive(),
    behavior: z.string().min(1),
    warmUpPeriodMs: nonNegative,
    coldFactor: z.number().gt(1),
    maxQueueingTimeMs: nonNegative,
    concurrency: positiveInt,
    hotParam: z
      .object({ qps: z.number().positive(), burst: positiveInt, maxKeys: positiveInt })
      .partial({ burst: true, maxKeys: true })
      .strict(),
    cluster: z
      .object({ qps: z.number().positive(), burst: positiveInt, keyPrefix: z.string(), failOpen: z.boolean() })
      .partial({ burst: true, keyPrefix: true, failOpen: true })
      .strict(),
    bottleneck: z
      .object({ maxConcurrent: positiveInt, minTimeMs: nonNegative, maxQueue: z.number().int().nonnegative() })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

const bulkhead = z
  .object({ maxConcurrent: positiveInt, maxQueue: z.number().int().nonnegative() })
  .partial({ maxQueue: true })
  .strict();

/** The data part of a pipeline's options (what can come from configuration). */
export const policyRuleSchema = z
  .object({
    timeout: z.union([z.literal(false), timeout]),
    retry: z.union([z.literal(false), retry]),
    circuitBreaker: z.union([z.literal(false), circuitBreaker]),
    rateLimit: z.union([z.literal(false), rateLimit]),
    bulkhead: z.union([z.literal(false), bulkhead]),
  })
  .partial()
  .strict();

/** A rule set as found in the `resilience.rules` namespace. */
export const ruleSetSchema = z
  .object({
    /** Applies to every policy, over the code's options. */
    defaults: policyRuleSchema.optional(),
    /** Per policy name (`Class.method` for decorated methods). */
    policies: z.record(z.string().min(1), policyRuleSchema).optional(),
  })
  .strict();

/**
 * A live rule set: `defaults` over every policy, `policies` by name. Only data (no functions),
 * so it can live in a config center.
 */
export interface ResilienceRules {
  defaults?: PolicyRules;
  policies?: Record<string, PolicyRules>;
}

/** The options of one pipeline that rules may set. */
export type PolicyRules = Omit<PipelineOptions, 'fallback'>;

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly errors?: readonly (readonly Issue[])[];
}

/**
 * zod reports a failing `false | {...}` union as one vague "Invalid input"; this replaces it with
 * the object branch's own issues (the `false` branch only says "expected false").
 */
export function flattenIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors !== undefined) {
      const branch = issue.errors.find((errors) => !errors.every((e) => e.code === 'invalid_value'));
      if (branch !== undefined) return flattenIssues(branch, path);
      return [{ path, message: 'expected false or an options object' }];
    }
    return [{ path, message: issue.message }];
  });
}
