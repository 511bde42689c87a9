import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventBus } from '@lattice/events';

/** Options of `DeviceModule.forRoot()`. */
export interface DeviceModuleOptions {
  /** The platform event bus; when absent, one provided as `EventBus` in the app is used, else events are not published. @default none */
  eventBus?: EventBus;
}

export const { ConfigurableModuleClass: ConfigurableDeviceModule, MODULE_OPTIONS_TOKEN: DEVICE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<DeviceModuleOptions>({ moduleName: 'Device' }).setClassMethodName('forRoot').build();
