export { createSchedulerApplication, SCHEDULER_DEFAULTS } from './scheduler.application.js';
export { SchedulerModule } from './scheduler.module.js';
export { ruleInputSchema, triggerSchema, conditionSchema, actionSchema } from './rules/rule.schema.js';
export type { Action, Condition, Predicate, Rule, RuleInput, RuleInputRaw, Trigger } from './rules/rule.schema.js';
export { nextFire, nextCron, nextSun } from './timing/next-fire.js';
export { RuleEngine, RULE_ENGINE_DEFAULTS } from './engine/rule-engine.js';
export type { RuleEngineOptions } from './engine/rule-engine.js';
export { DeviceStateStore, RuleStore, RunStore, TimerStore } from './stores/stores.interfaces.js';
export type {
  ActionOutcome,
  AdvanceResult,
  ConditionOutcome,
  RuleRun,
  TimerClaim,
} from './stores/stores.interfaces.js';
export { MemoryDeviceStateStore, MemoryRuleStore, MemoryRunStore, MemoryTimerStore } from './stores/memory-stores.js';
export { RedisDeviceStateStore, RedisRuleStore, RedisRunStore, RedisTimerStore } from './stores/redis-stores.js';
export type { RedisStoreOptions } from './stores/redis-stores.js';
export { DeviceActions, PushActions, Webhooks } from './actions/actions.interfaces.js';
export type {
  DesiredStateRequest,
  DeviceCommandRequest,
  PushRequest,
  WebhookRequest,
} from './actions/actions.interfaces.js';
export {
  HttpWebhooks,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signature,
} from './actions/http-webhooks.js';
export { HttpPushActions } from './actions/http-push-actions.js';
export { GrpcDeviceActions } from './actions/grpc-device-actions.js';
export {
  ActionFailedError,
  InvalidCronError,
  InvalidRuleError,
  RuleNotFoundError,
  RuleVersionConflictError,
  UnauthenticatedError,
} from './scheduler.errors.js';
