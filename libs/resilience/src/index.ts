export {
  BreakerOpenError,
  BulkheadFullError,
  InvalidRulesError,
  RateLimitedError,
  RetryExhaustedError,
  TimeoutError,
  UnknownPolicyError,
  UnknownStrategyError,
} from './resilience.errors.js';
export type { CallContext, Policy, PolicyWiring, ResilientCall } from './policies/policy.interfaces.js';
export { TimeoutPolicy } from './policies/timeout.policy.js';
export type { TimeoutOptions } from './policies/timeout.policy.js';
export { RetryPolicy, isRetryableError } from './policies/retry.policy.js';
export type { RetryOptions } from './policies/retry.policy.js';
export { RetryBudget } from './policies/retry-budget.js';
export type { RetryBudgetOptions } from './policies/retry-budget.js';
export { BulkheadPolicy } from './policies/bulkhead.policy.js';
export type { BulkheadOptions } from './policies/bulkhead.policy.js';
export { FallbackPolicy } from './policies/fallback.policy.js';
export type { FallbackOptions } from './policies/fallback.policy.js';
export { CircuitBreakerPolicy, CIRCUIT_BREAKER_DEFAULTS } from './breaker/circuit-breaker.policy.js';
export { defaultRecordError } from './breaker/breaker.js';
export type {
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CircuitBreakerOptions,
} from './breaker/circuit-breaker.interfaces.js';
export { RateLimitPolicy, RATE_LIMIT_DEFAULTS } from './limiting/rate-limit.policy.js';
export type { RateLimitSnapshot, RateLimitWiring } from './limiting/rate-limit.policy.js';
export {
  FlowControllerRegistry,
  PacingController,
  SlidingWindowController,
  WarmUpController,
} from './limiting/flow-controllers.js';
export type { FlowControllerFactory } from './limiting/flow-controllers.js';
export { ClusterRateLimiter } from './limiting/cluster-rate-limiter.js';
export type {
  BottleneckLimitOptions,
  ClusterLimitOptions,
  FlowController,
  FlowRuleSettings,
  HotParamLimitOptions,
  LimitDecision,
  RateLimitOptions,
} from './limiting/rate-limit.interfaces.js';
export { ResiliencePipeline, PIPELINE_ORDER } from './pipeline/resilience-pipeline.js';
export type { PipelineSnapshot } from './pipeline/resilience-pipeline.js';
export type { PipelineOptions, PipelineWiring } from './pipeline/pipeline.interfaces.js';
export { ResilienceRegistry } from './registry/resilience-registry.js';
export type { ResilienceRegistryOptions, ResilienceSnapshot } from './registry/resilience-registry.js';
export { InMemoryRuleSource } from './rules/in-memory-rule-source.js';
export type { RuleSource } from './rules/rule-source.interfaces.js';
export type { PolicyRules, ResilienceRules } from './rules/rules.schema.js';
export { ResilienceModule } from './resilience.module.js';
export type { ResilienceModuleOptions } from './resilience.interfaces.js';
export { Bulkhead, CircuitBreaker, Fallback, RateLimit, Retry, Timeout } from './nest/resilience.decorators.js';
export type { FallbackDecoratorOptions, RateLimitDecoratorOptions } from './nest/resilience.decorators.js';
export { RateLimitGuard } from './nest/rate-limit.guard.js';
