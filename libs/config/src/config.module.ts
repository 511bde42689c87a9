import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigService } from './client/config.service.js';
import type { ConfigModuleOptions } from './config.interfaces.js';
import { ConfigurableConfigModule, CONFIG_MODULE_OPTIONS } from './config.module-definition.js';
import { ConfigTelemetry } from './internal/config-telemetry.js';
import { ConfigValueExplorer } from './internal/config-value.explorer.js';
import { ConfigStore } from './store/config-store.interfaces.js';

/**
 * Live configuration for a Nest service: provides {@link ConfigService} (loaded before any
 * provider that injects it is built), binds `@ConfigValue` properties and exposes the
 * {@link ConfigStore} (`@InjectConfigStore()`). `isGlobal: true` makes it visible everywhere.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ConfigModule.forRoot({
 *       appId: 'device',
 *       namespaces: [{ name: 'application', schema: z.object({ rateLimit: z.object({ rps: z.number() }) }) }],
 *       redis: { url: process.env.LATTICE_REDIS_URL },
 *       isGlobal: true,
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ConfigTelemetry,
    {
      provide: ConfigService,
      inject: [CONFIG_MODULE_OPTIONS, ConfigTelemetry],
      useFactory: async (options: ConfigModuleOptions, telemetry: ConfigTelemetry): Promise<ConfigService> => {
        const logger = options.logger ?? telemetry.logger;
        const metrics = options.metrics ?? telemetry.metrics;
        const service = new ConfigService({
          ...options,
          ...(logger === undefined ? {} : { logger }),
          ...(metrics === undefined ? {} : { metrics }),
        });
        try {
          await service.start();
        } catch (error) {
          await service.close();
          throw error;
        }
        return service;
      },
    },
    { provide: ConfigStore, inject: [ConfigService], useFactory: (service: ConfigService) => service.store },
    ConfigValueExplorer,
  ],
  exports: [ConfigService, ConfigStore],
})
export class ConfigModule extends ConfigurableConfigModule {}
