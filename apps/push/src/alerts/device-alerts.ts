import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ApplicationConfig } from '@lattice/boot';
import { EventBus, InjectEventBus, type DeliveredEvent, type Subscription } from '@lattice/events';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import { parseAlertRules, type AlertRule } from '../internal/push-settings.js';
import { PushRuntime } from '../internal/push-runtime.js';
import { PushService } from '../internal/push-service.js';

/**
 * Device alerts: consumes `device.event` (matched against `push.alerts.rules`, read live) and
 * `rule.push` (the scheduler's push actions) and notifies every member of the home. Message ids
 * derive from the event id, so a redelivered event is one notification.
 */
@Injectable()
export class DeviceAlerts implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
    private readonly push: PushService,
    private readonly config: ApplicationConfig,
    @InjectEventBus() private readonly events: EventBus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const { alerts } = this.runtime.settings;
    if (!alerts.enabled) return;
    this.subscription = this.events.subscribe(alerts.group, this.runtime.instanceId, (event) => this.handle(event), {
      types: ['device.event', 'rule.push'],
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Turns one bus event into notifications (exposed for tests). */
  async handle(event: DeliveredEvent): Promise<void> {
    if (event.type === 'rule.push') {
      const homeId = typeof event.data['homeId'] === 'string' ? event.data['homeId'] : event.homeId;
      const title = event.data['title'];
      const body = event.data['body'];
      if (homeId === undefined || typeof title !== 'string' || title === '') {
        this.logger.warn({ id: event.id }, 'rule.push event without homeId or title ignored');
        return;
      }
      await this.notify(
        `rule-${event.id}`,
        homeId,
        title,
        typeof body === 'string' ? body : '',
        'high',
        this.runtime.settings.alerts.ruleTtlSeconds,
        event,
      );
      return;
    }
    if (event.homeId === undefined) return;
    const rules = this.rules();
    for (const [index, rule] of rules.entries()) {
      if (!rule.types.includes(event.type)) continue;
      if (!Object.entries(rule.match).every(([key, value]) => event.data[key] === value)) continue;
      if (rule.night !== undefined && !this.atNight(event.tsMs, rule.night)) continue;
      const body = rule.body
        .replaceAll('{deviceId}', event.deviceId ?? '')
        .replaceAll('{homeId}', event.homeId)
        .replaceAll('{hubId}', event.hubId ?? '');
      await this.notify(
        `alert-${event.id}-${index}`,
        event.homeId,
        rule.title,
        body,
        rule.priority,
        rule.ttlSeconds,
        event,
      );
    }
  }

  private rules(): AlertRule[] {
    const live = this.config.get<unknown>('push.alerts.rules');
    return (live === undefined ? undefined : parseAlertRules(live)) ?? this.runtime.settings.alerts.rules;
  }

  private atNight(tsMs: number, night: { fromHour: number; toHour: number }): boolean {
    const hour = new Date(tsMs + this.runtime.settings.alerts.utcOffsetMinutes * 60_000).getUTCHours();
    return night.fromHour <= night.toHour
      ? hour >= night.fromHour && hour < night.toHour
      : hour >= night.fromHour || hour < night.toHour;
  }

  private async notify(
    id: string,
    homeId: string,
    title: string,
    body: string,
    priority: 'high' | 'normal',
    ttlSeconds: number,
    event: DeliveredEvent,
  ): Promise<void> {
    const data: Record<string, unknown> = { kind: event.type, homeId, eventId: event.id };
    if (event.deviceId !== undefined) data['deviceId'] = event.deviceId;
    await this.push.accept(
      {
        id: id.replace(/[^A-Za-z0-9._:-]/g, '_'),
        title,
        body,
        data,
        priority,
        ttlSeconds,
        target: { homes: [homeId] },
      },
      'alerts',
    );
  }
}
