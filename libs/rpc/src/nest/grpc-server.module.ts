import { Module } from '@nestjs/common';
import { DiscoveryModule as NestDiscoveryModule } from '@nestjs/core';
import { MetricsRegistry } from '@lattice/telemetry';
import { GrpcServer } from '../server/grpc-server.js';
import type { GrpcServerModuleOptions } from './grpc-nest.interfaces.js';
import { GrpcServiceExplorer } from './grpc-service.explorer.js';
import { ConfigurableGrpcServerModule, GRPC_SERVER_MODULE_OPTIONS } from './grpc-server.module-definition.js';

/**
 * Serves gRPC from a Nest application: providers marked `@GrpcService()` are found at
 * bootstrap and served by one {@link GrpcServer} (health, reflection, fast path, spans,
 * histograms into TelemetryModule's MetricsRegistry when present). The server listens during
 * `app.init()`; boot then calls its `onRegister()` (health SERVING), `onDeregister()` (NOT_SERVING)
 * and `onDrain(deadline)` on shutdown. Inject `GrpcServer` to read the bound `port`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [GrpcServerModule.forRoot({ port: 50052 })],
 *   providers: [DeviceGrpcHandlers], // @GrpcService({ protoPath, package, service })
 * })
 * export class DeviceModule {}
 * ```
 */
@Module({
  imports: [NestDiscoveryModule],
  providers: [
    {
      provide: GrpcServer,
      inject: [GRPC_SERVER_MODULE_OPTIONS, { token: MetricsRegistry, optional: true }],
      useFactory: (options: GrpcServerModuleOptions, metrics?: MetricsRegistry) =>
        new GrpcServer({ ...options, ...(metrics === undefined ? {} : { metrics }) }),
    },
    GrpcServiceExplorer,
  ],
  exports: [GrpcServer],
})
export class GrpcServerModule extends ConfigurableGrpcServerModule {}
