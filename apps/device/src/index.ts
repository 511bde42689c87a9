export { createDeviceApplication, DEVICE_DEFAULTS } from './device.application.js';
export { DeviceModule } from './device.module.js';
