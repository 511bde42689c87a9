import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { GrpcServerModuleOptions } from './grpc-nest.interfaces.js';

export const {
  ConfigurableModuleClass: ConfigurableGrpcServerModule,
  MODULE_OPTIONS_TOKEN: GRPC_SERVER_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<GrpcServerModuleOptions>({ moduleName: 'GrpcServer' })
  .setClassMethodName('forRoot')
  .build();
