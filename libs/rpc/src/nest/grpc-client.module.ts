import { Inject, Module } from '@nestjs/common';
import { InvalidOptionsError, type ValidationProblem } from '@lattice/core';
import { DiscoveryClient } from '@lattice/discovery';
import { MetricsRegistry } from '@lattice/telemetry';
import { GrpcClient } from '../client/grpc-client.js';
import { loadGrpcService } from '../grpc/proto-loading.js';
import type { GrpcClientModuleOptions } from './grpc-nest.interfaces.js';
import {
  ConfigurableGrpcClientModule,
  GRPC_CLIENT_INSTANCE,
  GRPC_CLIENT_MODULE_OPTIONS,
  grpcClientToken,
} from './grpc-client.module-definition.js';

/**
 * Injects the {@link GrpcClient} registered under `name` with `GrpcClientModule.register()`
 * (the name defaults to the options' `service`). Type it with the generated client interface
 * to get typed stubs: `GrpcClient<DeviceServiceClient>`.
 *
 * @example
 * ```ts
 * constructor(@InjectGrpcClient('device') private readonly device: GrpcClient<DeviceServiceClient>) {}
 * async get(id: string) { return this.device.stub().GetDevice({ deviceId: id }); }
 * ```
 */
export const InjectGrpcClient = (name: string): PropertyDecorator & ParameterDecorator => Inject(grpcClientToken(name));

function createClient(
  options: GrpcClientModuleOptions,
  discovery: DiscoveryClient | undefined,
  metrics: MetricsRegistry | undefined,
): GrpcClient {
  const problems: ValidationProblem[] = [];
  const text = (path: 'service' | 'protoPath' | 'package' | 'grpcService'): void => {
    if (typeof options[path] !== 'string' || options[path] === '') {
      problems.push({ path, message: 'must be a non-empty string' });
    }
  };
  text('service');
  text('protoPath');
  text('package');
  text('grpcService');
  const source = options.discovery ?? discovery;
  if (source === undefined && options.address === undefined) {
    problems.push({ path: 'discovery', message: 'import DiscoveryModule, pass discovery, or set a fixed address' });
  }
  if (problems.length > 0) throw new InvalidOptionsError(`GrpcClientModule(${String(options.service)})`, problems);
  const { protoPath, package: pkg, grpcService, includeDirs, discovery: _ignored, ...clientOptions } = options;
  const contract = loadGrpcService({
    protoPath,
    package: pkg,
    service: grpcService,
    ...(includeDirs === undefined ? {} : { includeDirs }),
  });
  return new GrpcClient({
    ...clientOptions,
    contract,
    ...(source === undefined ? {} : { discovery: source }),
    ...(metrics === undefined ? {} : { metrics }),
  });
}

/**
 * A discovery-aware gRPC client as a Nest provider (Spring Cloud's `@GrpcClient`): the .proto
 * is loaded at start, instances come from the application's `DiscoveryClient`, histograms go
 * to TelemetryModule's `MetricsRegistry` when present, and channels close on shutdown. Register
 * one module per called service; inject each with `@InjectGrpcClient(name)`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     GrpcClientModule.register({
 *       service: 'device',
 *       protoPath: DEVICE_PROTO,
 *       package: 'lattice.device.v1',
 *       grpcService: 'DeviceService',
 *       caller: 'gateway',
 *     }),
 *     GrpcClientModule.registerAsync({
 *       name: 'push',
 *       inject: [ApplicationConfig],
 *       useFactory: (config: ApplicationConfig) => ({ service: 'push', ...config.get('rpc.push') }),
 *     }),
 *   ],
 * })
 * export class GatewayModule {}
 * ```
 */
@Module({
  providers: [
    {
      provide: GRPC_CLIENT_INSTANCE,
      inject: [
        GRPC_CLIENT_MODULE_OPTIONS,
        { token: DiscoveryClient, optional: true },
        { token: MetricsRegistry, optional: true },
      ],
      useFactory: createClient,
    },
  ],
})
export class GrpcClientModule extends ConfigurableGrpcClientModule {}
