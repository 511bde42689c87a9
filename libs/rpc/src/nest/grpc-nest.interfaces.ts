import type { DiscoveryClient } from '@lattice/discovery';
import type { GrpcClientOptions } from '../client/grpc-client.interfaces.js';
import type { GrpcServerOptions } from '../server/grpc-server.interfaces.js';

/**
 * Options of `GrpcClientModule.register()` / `registerAsync()`: where the contract is, plus
 * every {@link GrpcClientOptions} except the loaded contract and the injected metrics.
 *
 * @example
 * ```ts
 * GrpcClientModule.register({
 *   service: 'device',
 *   protoPath: 'proto/lattice/device/v1/device.proto',
 *   package: 'lattice.device.v1',
 *   grpcService: 'DeviceService',
 *   portName: 'grpc-internal',
 *   caller: 'gateway',
 * });
 * ```
 */
export interface GrpcClientModuleOptions extends Omit<GrpcClientOptions, 'contract' | 'metrics' | 'discovery'> {
  /** Path of the .proto file (absolute, or relative to one of includeDirs). */
  protoPath: string;
  /** Protobuf package, e.g. `lattice.device.v1`. */
  package: string;
  /** Service name inside the package, e.g. `DeviceService`. */
  grpcService: string;
  /** Import roots for `import` statements in the .proto. @default [] */
  includeDirs?: readonly string[];
  /** Discovery client to use. @default the application's DiscoveryClient (from DiscoveryModule) */
  discovery?: DiscoveryClient;
}

/**
 * Options of `GrpcServerModule.forRoot()` / `forRootAsync()`: the {@link GrpcServerOptions};
 * request-duration histograms go to TelemetryModule's MetricsRegistry when present.
 *
 * @example
 * ```ts
 * GrpcServerModule.forRoot({ port: 50052, maxMessageBytes: 1024 * 1024 });
 * ```
 */
export type GrpcServerModuleOptions = Omit<GrpcServerOptions, 'metrics'>;

/**
 * What `@GrpcService()` says about the provider it decorates: the gRPC service it implements.
 *
 * @example
 * ```ts
 * @GrpcService({ protoPath: DEVICE_PROTO, package: 'lattice.device.v1', service: 'DeviceService' })
 * @Injectable()
 * export class DeviceGrpcHandlers { ... }
 * ```
 */
export interface GrpcServiceDecoratorOptions {
  /** Path of the .proto file (absolute, or relative to one of includeDirs). */
  protoPath: string;
  /** Protobuf package, e.g. `lattice.device.v1`. */
  package: string;
  /** Service name inside the package, e.g. `DeviceService`. */
  service: string;
  /** Import roots for `import` statements in the .proto. @default [] */
  includeDirs?: readonly string[];
}
