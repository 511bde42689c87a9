import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ConfigAdminModuleOptions } from './config-admin.interfaces.js';

export const { ConfigurableModuleClass: ConfigurableConfigAdminModule, MODULE_OPTIONS_TOKEN: CONFIG_ADMIN_OPTIONS } =
  new ConfigurableModuleBuilder<ConfigAdminModuleOptions>({ moduleName: 'ConfigAdmin' })
    .setClassMethodName('forRoot')
    .build();
