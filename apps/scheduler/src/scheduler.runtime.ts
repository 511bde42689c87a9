import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectEventBus, type EventBus, type Subscription } from '@lattice/events';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import { RuleEngine } from './engine/rule-engine.js';
import { GrpcDeviceActions } from './actions/grpc-device-actions.js';
import { DeviceActions, Webhooks } from './actions/actions.interfaces.js';
import { HttpWebhooks } from './actions/http-webhooks.js';
import { SCHEDULER_SETTINGS } from './internal/tokens.js';
import type { SchedulerSettings } from './scheduler.settings.js';

/**
 * Starts the engine and the bus subscription once the app is registered, stops claiming
 * first on shutdown (peers take over), and closes what it opened.
 */
@Injectable()
export class SchedulerRuntime implements OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    private readonly engine: RuleEngine,
    @InjectEventBus() private readonly events: EventBus,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
    @Inject(DeviceActions) private readonly devices: DeviceActions,
    @Inject(Webhooks) private readonly webhooks: Webhooks,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  /** Boot hook: after the HTTP server listens, before ready. */
  onRegister(): void {
    this.engine.start();
    this.subscription = this.events.subscribe(
      this.settings.eventGroup,
      `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      (event) => this.engine.handleEvent(event),
      { types: ['device.*'] },
    );
    this.logger.info({ leaseMs: this.settings.leaseMs }, 'scheduler engine started');
  }

  /** Boot hook: first on shutdown; firings in progress finish or their leases lapse to peers. */
  async onDeregister(): Promise<void> {
    await this.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
    if (this.devices instanceof GrpcDeviceActions) await this.devices.close();
    if (this.webhooks instanceof HttpWebhooks) await this.webhooks.close();
  }

  private async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close().catch(() => undefined);
    await this.engine.stop();
  }
}
