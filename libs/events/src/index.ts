export { EventBus } from './bus/event-bus.interfaces.js';
export type { DeliveredEvent, PlatformEvent, SubscribeOptions, Subscription } from './bus/event-bus.interfaces.js';
export { MemoryEventBus } from './bus/memory-event-bus.js';
export type { MemoryEventBusOptions } from './bus/memory-event-bus.js';
export { RedisEventBus } from './bus/redis-event-bus.js';
export type { RedisEventBusOptions } from './bus/redis-event-bus.js';
export { EventBusClosedError, InvalidEventError } from './events.errors.js';
export { InjectEventBus } from './events.decorators.js';
