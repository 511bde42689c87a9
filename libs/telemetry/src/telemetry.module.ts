import { Inject, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { createLogger } from './logging/logger.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { ConfigurableTelemetryModule, TELEMETRY_MODULE_OPTIONS } from './telemetry.module-definition.js';
import type { TelemetryModuleOptions } from './telemetry.interfaces.js';

const LOGGER = 'LATTICE:TELEMETRY:LOGGER';

/** Injects the application's pino {@link Logger}. */
export const InjectLogger = (): PropertyDecorator & ParameterDecorator => Inject(LOGGER);

/**
 * Gives every provider of the application its logger (`@InjectLogger()`) and its
 * {@link MetricsRegistry}. Global: import it once, in the root module (boot does).
 *
 * @example
 * ```ts
 * @Module({ imports: [TelemetryModule.forRoot({ serviceName: 'device' })] })
 * export class AppModule {}
 *
 * @Injectable()
 * export class HubSessions {
 *   private readonly online: Gauge;
 *   constructor(metrics: MetricsRegistry, @InjectLogger() private readonly log: Logger) {
 *     this.online = metrics.gauge({ name: 'device_hubs_online', help: 'Hubs holding a stream' });
 *   }
 * }
 * ```
 */
@Module({
  providers: [
    {
      provide: MetricsRegistry,
      inject: [TELEMETRY_MODULE_OPTIONS],
      useFactory: (options: TelemetryModuleOptions) => options.metrics ?? new MetricsRegistry(),
    },
    {
      provide: LOGGER,
      inject: [TELEMETRY_MODULE_OPTIONS],
      useFactory: (options: TelemetryModuleOptions): Logger =>
        options.logger ?? createLogger({ app: options.serviceName }),
    },
  ],
  exports: [MetricsRegistry, LOGGER],
})
export class TelemetryModule extends ConfigurableTelemetryModule {}
