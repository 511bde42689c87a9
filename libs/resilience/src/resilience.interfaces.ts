import type { Clock } from '@lattice/core';
import type { Redis } from 'ioredis';
import type { FlowControllerRegistry } from './limiting/flow-controllers.js';
import type { PipelineOptions } from './pipeline/pipeline.interfaces.js';
import type { RuleSource } from './rules/rule-source.interfaces.js';

/** Options of `ResilienceModule.forRoot()` / `forRootAsync()`. */
export interface ResilienceModuleOptions {
  /** Options every policy starts from; per-policy and decorator options merge over them. @default {} */
  defaults?: PipelineOptions;
  /** Policies defined in code, by name. @default {} */
  policies?: Record<string, PipelineOptions>;
  /** Live rules (`resilience.rules`): applied at start and on every change. @default none */
  rules?: RuleSource;
  /**
   * Redis for cluster-wide rate limits: a client (yours; not closed by the module) or a URL
   * (the module connects and closes it on shutdown). @default none (cluster limits refused)
   */
  redis?: Redis | string;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Flow-control behaviours; pass one to `register()` custom ones. @default reject, warm-up, pacing */
  behaviours?: FlowControllerRegistry;
}
