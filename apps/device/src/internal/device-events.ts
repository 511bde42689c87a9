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
    if (this.bus === null) return;
    for (const event of events) {
      try {
        // A rejection handler per event: Promise.allSettled over a turn's thousands of events
        // cost over twice as much per event.
        this.bus.publish(event).then(undefined, (error: unknown) => this.fail(error, event));
      } catch (error) {
        this.fail(error, event);
      }
    }
  }

  private fail(error: unknown, event: PlatformEvent): void {
    this.failures.inc();
    this.logger.warn({ err: error, type: event.type }, 'device event could not be published');
  }
}
