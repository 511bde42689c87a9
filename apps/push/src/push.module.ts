import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApplicationConfig, InjectRedis } from '@lattice/boot';
import { DeviceAlerts } from './alerts/device-alerts.js';
import { AcceptApi } from './http/accept-api.js';
import { AcceptEndpoint } from './http/accept-endpoint.js';
import { PushController } from './http/push.controller.js';
import { FallbackWorker } from './internal/fallback-worker.js';
import { PushRuntime } from './internal/push-runtime.js';
import { PushService } from './internal/push-service.js';
import { resolvePushSettings } from './internal/push-settings.js';
import { LiveChannel } from './live/live-channel.js';

/** Builds the runtime from `push.*` and boot's shared Redis connection (null on the memory backend). */
@Injectable()
class PushRuntimeHost {
  readonly runtime: PushRuntime;

  constructor(config: ApplicationConfig, @InjectRedis() redis: Redis | null) {
    this.runtime = new PushRuntime(resolvePushSettings(config.get<unknown>('push', {})), redis);
  }
}

/**
 * The notification service: accept API (`POST /push/messages`), live WebSocket channel
 * (`/push/ws`), status API, offline providers (APNs, FCM, webhook) and device alerts from the
 * event bus. Configured by `push.*` (validated at start, every problem listed); its stores
 * follow `LATTICE_BACKEND` (memory, or Redis on boot's shared connection).
 *
 * @example
 * ```ts
 * const app = await LatticeApplication.create(PushModule, { name: 'push', defaults: PUSH_DEFAULTS });
 * ```
 */
@Module({
  controllers: [PushController],
  providers: [
    PushRuntimeHost,
    { provide: PushRuntime, inject: [PushRuntimeHost], useFactory: (host: PushRuntimeHost) => host.runtime },
    PushService,
    AcceptApi,
    AcceptEndpoint,
    LiveChannel,
    FallbackWorker,
    DeviceAlerts,
  ],
})
export class PushModule implements OnApplicationShutdown {
  constructor(@Inject(PushRuntime) private readonly runtime: PushRuntime) {}

  // Module hooks run after the providers' hooks: sessions, worker and consumer stop first.
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}
