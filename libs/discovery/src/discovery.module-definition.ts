import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { DiscoveryModuleOptions } from './discovery.interfaces.js';

export const {
  ConfigurableModuleClass: ConfigurableDiscoveryModule,
  MODULE_OPTIONS_TOKEN: DISCOVERY_MODULE_OPTIONS,
  OPTIONS_TYPE: DISCOVERY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DISCOVERY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DiscoveryModuleOptions>({ moduleName: 'Discovery' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
