import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MetricsRegistry } from '@lattice/telemetry';
import { RateLimitGuard } from './nest/rate-limit.guard.js';
import { ResilienceConnection, ResilienceLogger } from './nest/resilience-connection.js';
import { ResilienceExplorer } from './nest/resilience.explorer.js';
import { ResilienceRegistry } from './registry/resilience-registry.js';
import type { ResilienceModuleOptions } from './resilience.interfaces.js';
import { ConfigurableResilienceModule, RESILIENCE_MODULE_OPTIONS } from './resilience.module-definition.js';

/**
 * Resilience for a Nest app: the {@link ResilienceRegistry} (inject it by class), the method
 * decorators (`@CircuitBreaker()`, `@RateLimit()`, `@Bulkhead()`, `@Retry()`, `@Timeout()`,
 * `@Fallback()`) found on providers at bootstrap, the {@link RateLimitGuard}, and live rules.
 * Uses TelemetryModule's MetricsRegistry when present. Global by default.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ResilienceModule.forRootAsync({
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({
 *         defaults: { timeout: { timeoutMs: 2_000 }, circuitBreaker: {} },
 *         rules: config.namespace('resilience.rules'),
 *       }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: ResilienceConnection,
      inject: [RESILIENCE_MODULE_OPTIONS],
      useFactory: (options: ResilienceModuleOptions) => new ResilienceConnection(options.redis),
    },
    {
      provide: ResilienceRegistry,
      inject: [
        RESILIENCE_MODULE_OPTIONS,
        ResilienceConnection,
        ResilienceLogger,
        { token: MetricsRegistry, optional: true },
      ],
      useFactory: (
        options: ResilienceModuleOptions,
        connection: ResilienceConnection,
        { logger }: ResilienceLogger,
        metrics?: MetricsRegistry,
      ) =>
        new ResilienceRegistry({
          ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
          ...(options.policies === undefined ? {} : { policies: options.policies }),
          ...(options.clock === undefined ? {} : { clock: options.clock }),
          ...(options.behaviours === undefined ? {} : { behaviours: options.behaviours }),
          ...(connection.redis === undefined ? {} : { redis: connection.redis }),
          ...(metrics === undefined ? {} : { metrics }),
          ...(logger === undefined ? {} : { logger }),
        }),
    },
    ResilienceLogger,
    ResilienceExplorer,
    RateLimitGuard,
  ],
  exports: [ResilienceRegistry, RateLimitGuard],
})
export class ResilienceModule extends ConfigurableResilienceModule {}
