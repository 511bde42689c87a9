import type { EventBus, PlatformEvent } from '@lattice/events';
import type { Logger } from '@lattice/telemetry';
import type { Counter } from '@lattice/telemetry';

/** Publishes to the platform bus when there is one; a failing bus is logged and counted, never thrown. */
export class DeviceEvents {
  constructor(
    private readonly bus: EventBus | null,
    private readonly logger: Logger,
    private readonly failures: Counter,
  ) {}

  async publish(event: PlatformEvent): Promise<void> {
    if (this.bus === null) return;
    try {
      await this.bus.publish(event);
    } catch (error) {
      this.fail(error, event);
    }
  }

  /** Publishes several events in order without waiting; failures are logged and counted. */
  publishAll(events: readonly PlatformEvent[]): void {
    if (this.bus === null || events.length === 0) return;
    const published: Promise<unknown>[] = [];
    const sent: PlatformEvent[] = [];
    for (const event of events) {
      try {
        published.push(this.bus.publish(event));
        sent.push(event);
      } catch (error) {
        this.fail(error, event);
      }
    }
    // One settlement for the batch rather than a handler (and a promise) per event.
    void Promise.allSettled(published).then((outcomes) => {
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'rejected') this.fail(outcome.reason, sent[i] as PlatformEvent);
      });
    });
  }

  private fail(error: unknown, event: PlatformEvent): void {
    this.failures.inc();
    this.logger.warn({ err: error, type: event.type }, 'device event could not be published');
  }
}
