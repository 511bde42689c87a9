import { ConfigurableModuleBuilder } from '@nestjs/common';
import { InvalidOptionsError } from '@lattice/core';
import { RpcMessages } from '../rpc.messages.js';
import type { GrpcClientModuleOptions } from './grpc-nest.interfaces.js';

/** Extras of `GrpcClientModule.register()`: the injection name and global visibility. */
export interface GrpcClientModuleExtras {
  /** Name for `@InjectGrpcClient(name)`. @default the options' `service` (required with registerAsync) */
  name: string | undefined;
  /** Make the client visible to every module. @default false */
  isGlobal: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableGrpcClientModule,
  MODULE_OPTIONS_TOKEN: GRPC_CLIENT_MODULE_OPTIONS,
  OPTIONS_TYPE: GRPC_CLIENT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GRPC_CLIENT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<GrpcClientModuleOptions>({ moduleName: 'GrpcClient' })
  .setClassMethodName('register')
  .setExtras<GrpcClientModuleExtras>({ name: undefined, isGlobal: false }, (definition, extras) => {
    // The sync form passes the whole options object here, so `service` is the default name.
    const name = extras.name ?? (extras as Partial<GrpcClientModuleOptions>).service;
    if (name === undefined || name === '') {
      throw new InvalidOptionsError('GrpcClientModule', [{ path: 'name', message: RpcMessages.clientNameRequired() }]);
    }
    const token = grpcClientToken(name);
    return {
      ...definition,
      global: extras.isGlobal,
      providers: [...(definition.providers ?? []), { provide: token, useExisting: GRPC_CLIENT_INSTANCE }],
      exports: [...(definition.exports ?? []), token],
    };
  })
  .build();

/** @internal the module-local GrpcClient built from the options. */
export const GRPC_CLIENT_INSTANCE = 'LATTICE:RPC:GRPC_CLIENT_INSTANCE';

/** @internal the exported token of a named client. */
export function grpcClientToken(name: string): string {
  return `LATTICE:RPC:GRPC_CLIENT:${name}`;
}
