import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ConfigModuleOptions } from './config.interfaces.js';

export const {
  ConfigurableModuleClass: ConfigurableConfigModule,
  MODULE_OPTIONS_TOKEN: CONFIG_MODULE_OPTIONS,
  OPTIONS_TYPE: CONFIG_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CONFIG_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ConfigModuleOptions>({ moduleName: 'Config' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
