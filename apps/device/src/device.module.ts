import { Module, type DynamicModule } from '@nestjs/common';
import { ApplicationConfig } from '@lattice/boot';
import { DiscoveryModule, type DiscoveryBackend, type DiscoveryModuleOptions } from '@lattice/discovery';
import { EventBus } from '@lattice/events';
import { DeviceApi } from './api/device-api.js';
import { resolveDeviceSettings } from './config/device-settings.js';
import {
  ConfigurableDeviceModule,
  DEVICE_MODULE_OPTIONS,
  type DeviceModuleOptions,
} from './device.module-definition.js';
import {
  DEVICE_IDENTITY,
  DeviceRuntime,
  DeviceStores,
  defaultInstanceId,
  type DeviceIdentity,
} from './device.runtime.js';
import { DeviceController } from './http/device.controller.js';

/** Resolves and validates `device.*` once; shared by the device module and its discovery registration. */
@Module({
  providers: [
    {
      provide: DEVICE_IDENTITY,
      inject: [ApplicationConfig],
      useFactory: (config: ApplicationConfig): DeviceIdentity => {
        const settings = resolveDeviceSettings(config.get<unknown>('device', {}));
        return {
          settings,
          instanceId: settings.instanceId ?? defaultInstanceId(),
          advertisedPorts: {
            ...(settings.internalGrpcPort > 0 ? { grpc: settings.internalGrpcPort } : {}),
            ...(settings.hubLinkPort > 0 ? { hub: settings.hubLinkPort } : {}),
          },
        };
      },
    },
  ],
  exports: [DEVICE_IDENTITY],
})
export class DeviceIdentityModule {}

function discoveryOptions(identity: DeviceIdentity, config: ApplicationConfig): DiscoveryModuleOptions {
  const backend: DiscoveryBackend = config.boot.lattice.discovery ?? config.backend;
  const { settings, instanceId } = identity;
  return {
    backend,
    instance: {
      service: 'device',
      instanceId,
      ...(settings.advertiseHost === undefined ? {} : { host: settings.advertiseHost }),
      // The same object the runtime completes with bound ports (port 0) before registration.
      ports: identity.advertisedPorts,
      ...(config.boot.lattice.zone === undefined ? {} : { zone: config.boot.lattice.zone }),
    },
    ...(config.boot.lattice.zone === undefined ? {} : { zone: config.boot.lattice.zone }),
    ...(backend === 'redis' ? { redis: { url: config.boot.lattice.redis.url } } : {}),
    ...(backend === 'static' ? { static: config.get('discovery.static', {}) } : {}),
    ...(backend === 'kubernetes' ? { kubernetes: config.get('discovery.kubernetes', {}) } : {}),
  };
}

/**
 * The device app: the public hub link (gRPC, port 50051), the internal DeviceService (gRPC,
 * port 50052), the device HTTP API (port 3002), registration in discovery with ports
 * http/grpc/hub, and events to the platform bus.
 *
 * @example
 * ```ts
 * const app = await LatticeApplication.create(DeviceModule.forRoot({ eventBus }), { name: 'device', defaults: DEVICE_DEFAULTS });
 * ```
 */
@Module({})
export class DeviceModule extends ConfigurableDeviceModule {
  /**
   * The device module with its options.
   *
   * @example
   * ```ts
   * DeviceModule.forRoot({ eventBus: new MyBus() });
   * ```
   */
  static override forRoot(options: DeviceModuleOptions = {}): DynamicModule {
    const base = super.forRoot(options);
    return {
      ...base,
      imports: [
        ...(base.imports ?? []),
        DeviceIdentityModule,
        DiscoveryModule.forRootAsync({
          imports: [DeviceIdentityModule],
          inject: [DEVICE_IDENTITY, ApplicationConfig],
          useFactory: discoveryOptions,
        }),
      ],
      controllers: [DeviceController],
      providers: [
        ...(base.providers ?? []),
        DeviceStores,
        DeviceRuntime,
        { provide: DeviceApi, inject: [DeviceRuntime], useFactory: (runtime: DeviceRuntime) => runtime.api },
        ...(options.eventBus
          ? [
              {
                provide: EventBus,
                inject: [DEVICE_MODULE_OPTIONS],
                useFactory: (o: DeviceModuleOptions) => o.eventBus,
              },
            ]
          : []),
      ],
      exports: [DeviceApi, DeviceRuntime],
    };
  }
}
