import { Inject, Module, type Provider } from '@nestjs/common';
import { BalancerRegistry } from './balancers/balancer-registry.js';
import { DiscoveryClient } from './client/discovery-client.js';
import { ConfigurableDiscoveryModule, DISCOVERY_MODULE_OPTIONS } from './discovery.module-definition.js';
import type { DiscoveryModuleOptions } from './discovery.interfaces.js';
import { createRegistry, validateOptions } from './internal/module-options.js';
import { TelemetryDeps } from './internal/telemetry-deps.js';
import { OWNS_REGISTRY, REGISTRY_HANDLE } from './internal/tokens.js';
import { DiscoveryRegistration } from './registration/discovery-registration.js';
import { ServiceRegistry } from './registry/service-registry.interfaces.js';

/**
 * Injects the application's {@link ServiceRegistry}.
 *
 * @example
 * ```ts
 * constructor(@InjectServiceRegistry() private readonly registry: ServiceRegistry) {}
 * ```
 */
export const InjectServiceRegistry = (): PropertyDecorator & ParameterDecorator => Inject(ServiceRegistry);

type RegistryHandle = ReturnType<typeof createRegistry>;

const providers: Provider[] = [
  {
    provide: REGISTRY_HANDLE,
    inject: [DISCOVERY_MODULE_OPTIONS],
    useFactory: (options: DiscoveryModuleOptions): RegistryHandle => {
      validateOptions(options);
      return createRegistry(options);
    },
  },
  { provide: ServiceRegistry, inject: [REGISTRY_HANDLE], useFactory: (h: RegistryHandle) => h.registry },
  { provide: OWNS_REGISTRY, inject: [REGISTRY_HANDLE], useFactory: (h: RegistryHandle) => h.owned },
  {
    provide: BalancerRegistry,
    inject: [DISCOVERY_MODULE_OPTIONS],
    useFactory: (options: DiscoveryModuleOptions): BalancerRegistry => {
      const balancers = new BalancerRegistry();
      options.balancers?.(balancers);
      return balancers;
    },
  },
  {
    provide: DiscoveryClient,
    inject: [DISCOVERY_MODULE_OPTIONS, ServiceRegistry, BalancerRegistry, TelemetryDeps],
    useFactory: (
      options: DiscoveryModuleOptions,
      registry: ServiceRegistry,
      balancers: BalancerRegistry,
      telemetry: TelemetryDeps,
    ): DiscoveryClient => {
      const zone = options.zone ?? options.instance?.zone;
      return new DiscoveryClient(registry, {
        balancers,
        ...(zone === undefined ? {} : { zone }),
        ...(options.balancer === undefined ? {} : { balancer: options.balancer }),
        ...(telemetry.metrics ? { metrics: telemetry.metrics } : {}),
        ...(telemetry.logger ? { logger: telemetry.logger } : {}),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
    },
  },
  TelemetryDeps,
  DiscoveryRegistration,
];

/**
 * Service discovery for a Nest application (Spring Cloud's `@EnableDiscoveryClient`): a
 * {@link ServiceRegistry} for the chosen backend, a {@link DiscoveryClient} with load
 * balancers, and {@link DiscoveryRegistration}, which registers this instance when boot
 * calls `onRegister()` and deregisters it first on shutdown. Options are validated at
 * start-up (every problem listed). Global by default.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     DiscoveryModule.forRootAsync({
 *       inject: [ApplicationConfig],
 *       useFactory: (config: ApplicationConfig) => ({
 *         backend: config.backend,
 *         redis: { url: config.boot.lattice.redis.url },
 *         instance: { service: 'device', ports: { grpc: 50052 } },
 *       }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({ providers, exports: [ServiceRegistry, DiscoveryClient, DiscoveryRegistration, BalancerRegistry] })
export class DiscoveryModule extends ConfigurableDiscoveryModule {}
