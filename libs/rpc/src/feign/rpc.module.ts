import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DiscoveryClient } from '@lattice/discovery';
import { MetricsRegistry } from '@lattice/telemetry';
import { FeignClientFactory } from './feign-client.factory.js';
import type { FeignRequestInterceptor } from './feign.interfaces.js';

/**
 * Options of `RpcModule.forFeature()`.
 *
 * @example
 * ```ts
 * RpcModule.forFeature([DeviceApi], { interceptors: [ServiceTokenInterceptor] });
 * ```
 */
export interface RpcFeatureOptions {
  /** Interceptors run before each client's own (classes resolved through Nest). @default [] */
  interceptors?: readonly Type<FeignRequestInterceptor>[];
}

/**
 * Declarative HTTP clients for Nest (OpenFeign's `@EnableFeignClients`): each `@FeignClient`
 * class listed becomes a provider (inject it by its class) whose methods make the calls.
 * Instances come from the application's `DiscoveryClient`; metrics go to TelemetryModule's
 * `MetricsRegistry` when present; interceptor and fallback classes are taken from the module's
 * providers or built with their dependencies; pools close on shutdown.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [RpcModule.forFeature([DeviceApi, PushApi])],
 *   providers: [DashboardService], // constructor(private readonly devices: DeviceApi) {}
 * })
 * export class DashboardModule {}
 * ```
 */
@Module({})
export class RpcModule {
  /**
   * Provides the listed `@FeignClient` classes.
   *
   * @example
   * ```ts
   * imports: [RpcModule.forFeature([DeviceApi])]
   * ```
   */
  static forFeature(
    clients: readonly Type<object>[] | readonly (abstract new () => object)[],
    options: RpcFeatureOptions = {},
  ): DynamicModule {
    const factoryProvider: Provider = {
      provide: FeignClientFactory,
      inject: [ModuleRef, { token: DiscoveryClient, optional: true }, { token: MetricsRegistry, optional: true }],
      useFactory: async (moduleRef: ModuleRef, discovery?: DiscoveryClient, metrics?: MetricsRegistry) => {
        const resolve = async <T>(type: Type<T>): Promise<T> => {
          try {
            return moduleRef.get(type, { strict: false });
          } catch {
            return moduleRef.create(type);
          }
        };
        const interceptors = await Promise.all((options.interceptors ?? []).map((i) => resolve(i)));
        return new FeignClientFactory({
          ...(discovery === undefined ? {} : { discovery }),
          ...(metrics === undefined ? {} : { metrics }),
          interceptors,
          resolve,
        });
      },
    };
    const clientProviders: Provider[] = clients.map((declaration) => ({
      provide: declaration,
      inject: [FeignClientFactory],
      useFactory: (factory: FeignClientFactory) => factory.create(declaration),
    }));
    return {
      module: RpcModule,
      providers: [factoryProvider, ...clientProviders],
      exports: [...clients],
    };
  }
}
