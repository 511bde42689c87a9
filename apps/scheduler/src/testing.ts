// `@lattice-platform/scheduler/testing`: the parts of the scheduler that tests, benchmarks
// and tools assemble by hand (like @nestjs/testing): the rule engine, the store and run
// registry ports with their memory and Redis adapters, the action ports and adapters, and
// the timing functions. Apps use the public entry (`@lattice-platform/scheduler`).
export { RuleEngine, RULE_ENGINE_DEFAULTS } from './engine/rule-engine.js';
export type { RuleEngineOptions } from './engine/rule-engine.js';
export { nextFire, nextCron, nextSun } from './timing/next-fire.js';
export { DeviceStateStore, RuleStore, RunStore, TimerStore } from './stores/stores.interfaces.js';
export type { AdvanceResult, ClaimedBatch, TimerClaim } from './stores/stores.interfaces.js';
export { MemoryDeviceStateStore, MemoryRuleStore, MemoryRunStore, MemoryTimerStore } from './stores/memory-stores.js';
export { RedisDeviceStateStore, RedisRuleStore, RedisRunStore, RedisTimerStore } from './stores/redis-stores.js';
export type { RedisStoreOptions } from './stores/redis-stores.js';
export { RunRegistry } from './modes/run-registry.interfaces.js';
export type { QueueTurn, RuleRunEntries, RunAdmission, RunAdmissionRequest } from './modes/run-registry.interfaces.js';
export { MemoryRunRegistry } from './modes/memory-run-registry.js';
export { RedisRunRegistry } from './modes/redis-run-registry.js';
export { DeviceActions, PushActions, Webhooks } from './actions/actions.interfaces.js';
export type {
  DesiredStateRequest,
  DeviceCommandRequest,
  PushRequest,
  WebhookRequest,
} from './actions/actions.interfaces.js';
export { HttpWebhooks } from './actions/http-webhooks.js';
export type { HttpWebhooksOptions } from './actions/http-webhooks.js';
export { HttpPushActions } from './actions/http-push-actions.js';
export { GrpcDeviceActions } from './actions/grpc-device-actions.js';
