import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TelemetryModule, type Logger, type MetricsRegistry } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import { ApplicationConfig } from './config/application-config.js';
import { ApplicationLifecycle } from './lifecycle/lifecycle.js';
import { HttpFront } from './http/http-front.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { REDIS_CONNECTION, RedisConnectionLifecycle } from './backends/redis-connection.js';
import { ConfigReadiness } from './health/config-readiness.js';
import { DiscoveryReadiness } from './health/discovery-readiness.js';
import { EventBus } from '@lattice/events';
import { EventBusLifecycle } from './backends/event-bus-lifecycle.js';

export interface BootModuleContext {
  /** The config center client's module (`ConfigModule.forRoot(...)`), global. */
  configModule: DynamicModule;
  eventBus: EventBus;
  /** The service registry and client (`DiscoveryModule.forRoot(...)` of @lattice/discovery), global. */
  discoveryModule: DynamicModule;
  config: ApplicationConfig;
  lifecycle: ApplicationLifecycle;
  /** The server entry in front of Nest. */
  front: HttpFront;
  logger: Logger;
  metrics: MetricsRegistry;
  redis: Redis | null;
}

/** What boot adds beside an application's module: telemetry, health, metrics, backends. */
@Module({})
export class BootModule {
  static forApplication(context: BootModuleContext): DynamicModule {
    const providers: Provider[] = [
      { provide: ApplicationConfig, useValue: context.config },
      { provide: ApplicationLifecycle, useValue: context.lifecycle },
      { provide: HttpFront, useValue: context.front },
      { provide: REDIS_CONNECTION, useValue: context.redis },
      ConfigReadiness,
      DiscoveryReadiness,
      { provide: EventBus, useValue: context.eventBus },
      EventBusLifecycle,
      ...(context.redis === null ? [] : [RedisConnectionLifecycle]),
    ];
    return {
      module: BootModule,
      global: true,
      imports: [
        DiscoveryModule,
        TerminusModule.forRoot({ logger: false }),
        context.configModule,
        context.discoveryModule,
        TelemetryModule.forRoot({
          serviceName: context.config.app,
          logger: context.logger,
          metrics: context.metrics,
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: [ApplicationConfig, ApplicationLifecycle, HttpFront, REDIS_CONNECTION, EventBus],
    };
  }
}
