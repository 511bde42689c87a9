export { createPushApplication, PUSH_DEFAULTS } from './push.application.js';
export { PushModule } from './push.module.js';
export type {
  DeliveryState,
  DeviceProvider,
  PushDevice,
  PushMessage,
  PushPriority,
  PushTarget,
} from './push.interfaces.js';
export { DirectoryStore, MessageStore } from './stores/push-store.interfaces.js';
export type {
  AcceptedRecipient,
  AcceptResult,
  DeviceStatus,
  FallbackTask,
  RecipientInput,
  StateUpdate,
  StoredListener,
  StreamEntry,
  StreamRead,
} from './stores/push-store.interfaces.js';
export { MemoryDirectoryStore, MemoryMessageStore } from './stores/memory-stores.js';
export type { MemoryMessageStoreOptions, PushStoreOptions } from './stores/memory-stores.js';
export { RedisDirectoryStore, RedisMessageStore } from './stores/redis-stores.js';
export type { RedisPushStoreOptions } from './stores/redis-stores.js';
export {
  InvalidPushMessageError,
  ProviderError,
  PushForbiddenError,
  PushMessageNotFoundError,
  PushUnauthenticatedError,
  UnknownBackoffError,
} from './push.errors.js';
