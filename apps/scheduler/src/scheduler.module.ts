import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApplicationConfig, InjectRedis } from '@lattice/boot';
import { DiscoveryClient } from '@lattice/discovery';
import { InjectLogger, MetricsRegistry, type Logger } from '@lattice/telemetry';
import { DeviceActions, PushActions, Webhooks } from './actions/actions.interfaces.js';
import { GrpcDeviceActions } from './actions/grpc-device-actions.js';
import { HttpPushActions } from './actions/http-push-actions.js';
import { HttpWebhooks } from './actions/http-webhooks.js';
import { RuleEngine } from './engine/rule-engine.js';
import { RulesController } from './http/rules.controller.js';
import { SCHEDULER_SETTINGS } from './internal/tokens.js';
import { MemoryRunRegistry } from './modes/memory-run-registry.js';
import { RedisRunRegistry } from './modes/redis-run-registry.js';
import { RunRegistry } from './modes/run-registry.interfaces.js';
import {
  ConfigurableSchedulerModule,
  SCHEDULER_MODULE_OPTIONS,
  type SchedulerModuleOptions,
} from './scheduler.module-definition.js';
import { SchedulerRuntime } from './scheduler.runtime.js';
import { resolveSchedulerSettings, type SchedulerSettings } from './scheduler.settings.js';
import { MemoryDeviceStateStore, MemoryRuleStore, MemoryRunStore, MemoryTimerStore } from './stores/memory-stores.js';
import { RedisDeviceStateStore, RedisRuleStore, RedisRunStore, RedisTimerStore } from './stores/redis-stores.js';
import { DeviceStateStore, RuleStore, RunStore, TimerStore } from './stores/stores.interfaces.js';

const REDIS_TOKEN = 'LATTICE:SCHEDULER:REDIS';

/** Carries the app's logger into factories. */
class LoggerHolder {
  constructor(@InjectLogger() readonly logger: Logger) {}
}

/** Reads the shared connection from boot once, so each store factory can choose its adapter. */
class RedisHolder {
  constructor(@InjectRedis() readonly redis: Redis | null) {}
}

const store = <T>(token: symbol, memory: () => T, redis: (r: Redis, s: SchedulerSettings) => T) => ({
  provide: token,
  inject: [REDIS_TOKEN, SCHEDULER_SETTINGS],
  useFactory: (holder: RedisHolder, settings: SchedulerSettings): T =>
    holder.redis === null ? memory() : redis(holder.redis, settings),
});

/**
 * The IFTTT rule engine and distributed timers: `/api/v1/rules` (CRUD and history), the
 * timer loop on the shared timer store, rule modes held cluster-wide by the shared run
 * registry, and rule triggers from the event bus. Made with `forRoot(options)` or
 * `forRootAsync({ useFactory, inject })`; backends follow boot's `LATTICE_BACKEND`.
 *
 * @example
 * ```ts
 * const app = await LatticeApplication.create(SchedulerModule.forRoot({ settings: { leaseMs: 5000 } }), {
 *   name: 'scheduler',
 *   defaults: SCHEDULER_DEFAULTS,
 * });
 * ```
 */
@Module({
  controllers: [RulesController],
  providers: [
    { provide: REDIS_TOKEN, useClass: RedisHolder },
    LoggerHolder,
    {
      provide: SCHEDULER_SETTINGS,
      inject: [ApplicationConfig, SCHEDULER_MODULE_OPTIONS],
      useFactory: (config: ApplicationConfig, options: SchedulerModuleOptions) =>
        resolveSchedulerSettings(config.get<unknown>('scheduler', {}), options.settings),
    },
    store<RunRegistry>(
      RunRegistry,
      () => new MemoryRunRegistry(),
      (redis, s) => new RedisRunRegistry({ redis, keyPrefix: s.keyPrefix }),
    ),
    store<TimerStore>(
      TimerStore,
      () => new MemoryTimerStore(),
      (redis, s) => new RedisTimerStore({ redis, keyPrefix: s.keyPrefix }),
    ),
    store<RuleStore>(
      RuleStore,
      () => new MemoryRuleStore(),
      (redis, s) => new RedisRuleStore({ redis, keyPrefix: s.keyPrefix }),
    ),
    {
      provide: RunStore,
      inject: [REDIS_TOKEN, SCHEDULER_SETTINGS],
      useFactory: (holder: RedisHolder, s: SchedulerSettings) =>
        holder.redis === null
          ? new MemoryRunStore(s.maxRunsPerRule)
          : new RedisRunStore({ redis: holder.redis, keyPrefix: s.keyPrefix }, s.maxRunsPerRule),
    },
    store<DeviceStateStore>(
      DeviceStateStore,
      () => new MemoryDeviceStateStore(),
      (redis, s) => new RedisDeviceStateStore({ redis, keyPrefix: s.keyPrefix }),
    ),
    {
      provide: Webhooks,
      inject: [SCHEDULER_SETTINGS],
      useFactory: (s: SchedulerSettings) =>
        new HttpWebhooks({ timeoutMs: s.webhookTimeoutMs, connectionsPerOrigin: s.webhookConnectionsPerOrigin }),
    },
    {
      provide: PushActions,
      inject: [DiscoveryClient, SCHEDULER_SETTINGS, ApplicationConfig],
      useFactory: (discovery: DiscoveryClient, s: SchedulerSettings, config: ApplicationConfig) =>
        new HttpPushActions({
          discovery,
          service: s.push.service,
          identitySecret: config.get<string | undefined>('gateway.identitySecret', undefined),
        }),
    },
    {
      provide: DeviceActions,
      inject: [DiscoveryClient, SCHEDULER_SETTINGS],
      useFactory: (discovery: DiscoveryClient, s: SchedulerSettings) =>
        new GrpcDeviceActions({
          service: s.device.service,
          ...(s.device.address === undefined ? { discovery } : { address: s.device.address }),
        }),
    },
    {
      provide: RuleEngine,
      inject: [
        RuleStore,
        RunStore,
        TimerStore,
        RunRegistry,
        DeviceStateStore,
        DeviceActions,
        PushActions,
        Webhooks,
        SCHEDULER_SETTINGS,
        MetricsRegistry,
        LoggerHolder,
      ],
      useFactory: (
        rules: RuleStore,
        runs: RunStore,
        timers: TimerStore,
        registry: RunRegistry,
        states: DeviceStateStore,
        devices: DeviceActions,
        push: PushActions,
        webhooks: Webhooks,
        s: SchedulerSettings,
        metrics: MetricsRegistry,
        { logger }: LoggerHolder,
      ) => {
        return new RuleEngine({
          rules,
          runs,
          timers,
          registry,
          states,
          devices,
          push,
          webhooks,
          metrics,
          leaseMs: s.leaseMs,
          pollIntervalMs: s.pollIntervalMs,
          runCheckIntervalMs: s.runCheckIntervalMs,
          claimBatchSize: s.claimBatchSize,
          claimAheadMs: s.claimAheadMs,
          misfireThresholdMs: s.misfireThresholdMs,
          onError: (error) => logger.warn({ err: error }, 'scheduler loop error'),
        });
      },
    },
    SchedulerRuntime,
  ],
})
export class SchedulerModule extends ConfigurableSchedulerModule {}
