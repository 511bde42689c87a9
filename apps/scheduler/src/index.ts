// The scheduler's public API: the app, its configurable module and settings, the rule
// contract of /api/v1/rules and its history, webhook signature checking, and errors.
// Engine, stores, run registry and action adapters are for tests and tools: './testing.js'
// (`@lattice-platform/scheduler/testing`).
export { createSchedulerApplication, SCHEDULER_DEFAULTS } from './scheduler.application.js';
export type { SchedulerApplicationOptions } from './scheduler.application.js';
export { SchedulerModule } from './scheduler.module.js';
export type { SchedulerModuleOptions } from './scheduler.module-definition.js';
export { SCHEDULER_SETTINGS_DEFAULTS } from './scheduler.settings.js';
export type { SchedulerSettings } from './scheduler.settings.js';
export { ruleInputSchema, triggerSchema, conditionSchema, actionSchema } from './rules/rule.schema.js';
export type { Action, Condition, Predicate, Rule, RuleInput, RuleInputRaw, Trigger } from './rules/rule.schema.js';
export type { ActionOutcome, ConditionOutcome, RuleRun } from './stores/stores.interfaces.js';
export { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature } from './actions/http-webhooks.js';
export {
  ActionFailedError,
  InvalidCronError,
  InvalidRuleError,
  RuleNotFoundError,
  RuleVersionConflictError,
  UnauthenticatedError,
} from './scheduler.errors.js';
