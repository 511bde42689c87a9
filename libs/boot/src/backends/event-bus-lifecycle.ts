import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { EventBus } from '@lattice/events';

/**
 * Stops the event bus's subscriptions before backends close (Nest runs
 * `beforeApplicationShutdown` before `onApplicationShutdown`), so handlers can still
 * acknowledge what they finish on the shared Redis connection.
 */
@Injectable()
export class EventBusLifecycle implements BeforeApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}
