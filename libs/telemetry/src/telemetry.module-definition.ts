import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TelemetryModuleOptions } from './telemetry.interfaces.js';

export const { ConfigurableModuleClass: ConfigurableTelemetryModule, MODULE_OPTIONS_TOKEN: TELEMETRY_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<TelemetryModuleOptions>({ moduleName: 'Telemetry' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
