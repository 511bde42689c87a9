export { createDeviceApplication, DEVICE_DEFAULTS } from './device.application.js';
export type { DeviceApplicationOptions } from './device.application.js';
export { DeviceModule } from './device.module.js';
export type { DeviceModuleOptions } from './device.module-definition.js';
export { DEVICE_SETTINGS_DEFAULTS } from './config/device-settings.js';
export type { DeviceSettings } from './config/device-settings.js';
export { DeviceRuntime } from './device.runtime.js';
export { DeviceApi } from './api/device-api.js';
export type { CommandRequest, DeviceView, ShadowView } from './api/device-api.js';
export { IDENTITY_HEADERS } from './http/device.controller.js';
export {
  CommandConflictError,
  CommandNotFoundError,
  CommandTimeoutError,
  ConnectionReplacedError,
  DeviceNotFoundError,
  HeartbeatMissedError,
  HubNotHeldError,
  HubOfflineError,
  HubUnauthenticatedError,
  InstanceDrainingError,
  InvalidDeviceRequestError,
  MissingIdentityError,
  StreamOverflowError,
} from './device.errors.js';
export { HubStore, DeviceStore, ShadowStore, CommandStore } from './stores/device-stores.interfaces.js';
export type {
  CommandRecord,
  CommandStatus,
  DeviceRecord,
  HubPresence,
  HubRecord,
  HubRoute,
  ShadowDocument,
  ShadowReport,
} from './stores/device-stores.interfaces.js';
export { MemoryCommandStore, MemoryDeviceStore, MemoryHubStore, MemoryShadowStore } from './stores/memory-stores.js';
export { RedisCommandStore, RedisDeviceStore, RedisHubStore, RedisShadowStore } from './stores/redis-stores.js';
export { deviceServiceContract, plainHubLinkContract, PROTO_ROOT } from './grpc/device.contracts.js';
export { HubSimulator } from './simulator/hub-simulator.js';
export { encodeTelemetryFrame } from './internal/hub-frame-codec.js';
export type { HubSimulatorOptions, SimulatedHubCredentials } from './simulator/hub-simulator.js';
export type { DeviceServiceClient } from './generated/lattice/device/v1/DeviceService.js';
export type { HubLinkClient } from './generated/lattice/device/v1/HubLink.js';
export type { HubFrame } from './generated/lattice/device/v1/HubFrame.js';
export type { CloudFrame__Output as CloudFrame } from './generated/lattice/device/v1/CloudFrame.js';
export { runSimulatorCli } from './simulator/simulate-cli.js';
