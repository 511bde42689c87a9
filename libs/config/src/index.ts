export type {
  ConfigCoordinates,
  GrayPublishInput,
  GrayTargets,
  NamespaceState,
  Properties,
  PropertiesDiff,
  PropertyChange,
  PropertyValue,
  PublishInput,
  Release,
  ReleaseKind,
  ReleaseMeta,
} from './model/release.interfaces.js';
export { diffProperties, parseProperties, validateProperties } from './model/properties.js';
export type { ReleaseFormat } from './model/properties.js';
export { ConfigStore } from './store/config-store.interfaces.js';
export type { ConfigStoreEvent } from './store/config-store.interfaces.js';
export { MemoryConfigStore } from './store/memory-config-store.js';
export type { MemoryConfigStoreOptions } from './store/memory-config-store.js';
export { RedisConfigStore } from './store/redis-config-store.js';
export type { RedisConfigStoreOptions } from './store/redis-config-store.js';
export {
  ConfigBackendUnavailableError,
  ConfigNamespaceInvalidError,
  ConfigNoGrayReleaseError,
  ConfigReleaseInvalidError,
  ConfigReleaseNotFoundError,
  ConfigRevisionConflictError,
  ConfigRollbackTargetError,
  ConfigUnknownNamespaceError,
} from './config.errors.js';
export { ConfigModule } from './config.module.js';
export { ConfigService } from './client/config.service.js';
export { LiveValue } from './client/live-value.js';
export { ConfigValue, InjectConfigStore } from './config.decorators.js';
export type {
  ConfigFile,
  ConfigHealth,
  ConfigModuleOptions,
  ConfigSource,
  NamespaceDefinition,
  NamespaceHealth,
} from './config.interfaces.js';
export { runConfigCli } from './cli/run-config-cli.js';
export type { ConfigCliIo } from './cli/run-config-cli.js';
export { ConfigBadRequestError } from './config.errors.js';
export { ConfigAdminModule } from './admin/config-admin.module.js';
export type { ConfigAdminModuleOptions } from './admin/config-admin.interfaces.js';
