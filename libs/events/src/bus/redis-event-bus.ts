import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { EventBusClosedError } from '../events.errors.js';
import { BusTelemetry, type BusTelemetryOptions } from '../internal/bus-telemetry.js';
import { decodeEvent, encodeEvent, subscribeSettings, type SubscribeSettings } from '../internal/event-codec.js';
import type {
  DeliveredEvent,
  EventBus,
  PlatformEvent,
  SubscribeOptions,
  Subscription,
} from './event-bus.interfaces.js';

/** Options of {@link RedisEventBus}. */
export interface RedisEventBusOptions extends BusTelemetryOptions {
  /** The connection for publishing and acknowledging; each subscription opens its own duplicate for blocking reads. */
  client: Redis;
  /** The stream key. @default 'lattice:events' */
  stream?: string;
  /** Approximate cap of the stream (`XADD MAXLEN ~`). @default 1000000 */
  maxLength?: number;
  /** How long one blocking read waits before checking for idle pending events. @default 1000 */
  blockMs?: number;
  /** How long `close()` waits for handlers in progress before leaving their events pending. @default 5000 */
  closeTimeoutMs?: number;
}

type StreamEntry = [id: string, fields: string[]];

type Settings = SubscribeSettings;

/**
 * The event bus on Redis Streams: `XADD` to publish, consumer groups with `XREADGROUP` to
 * consume, `XACK` only after the handler resolved, and `XAUTOCLAIM` so events pending at a
 * consumer that died (or failed) are taken over once idle for `claimIdleMs`. An event
 * delivered `maxDeliveries` times without success goes to `<stream>:dead` and is acknowledged.
 *
 * @example
 * ```ts
 * const bus = new RedisEventBus({ client: redis });
 * bus.subscribe('push-alerts', `push-${process.pid}`, (e) => alerts.handle(e), { types: ['device.event'] });
 * ```
 */
export class RedisEventBus implements EventBus {
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly maxLength: number;
  private readonly blockMs: number;
  private readonly closeTimeoutMs: number;
  private readonly telemetry: BusTelemetry;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: RedisEventBusOptions) {
    this.redis = options.client;
    this.stream = options.stream ?? 'lattice:events';
    this.maxLength = options.maxLength ?? 1_000_000;
    this.blockMs = options.blockMs ?? 1_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.telemetry = new BusTelemetry(options);
  }

  async publish(event: PlatformEvent): Promise<string> {
    if (this.closed) throw new EventBusClosedError();
    const json = encodeEvent(event);
    const id = await this.redis.xadd(
      this.stream,
      'MAXLEN',
      '~',
      String(this.maxLength),
      '*',
      't',
      event.type,
      'e',
      json,
    );
    this.telemetry.published.inc({ type: event.type });
    return id as string;
  }

  subscribe(
    group: string,
    consumer: string,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.closed) throw new EventBusClosedError();
    const reader = this.redis.duplicate({ connectionName: `lattice:events:${group}:${consumer}@${hostname()}` });
    const settings = subscribeSettings(options);
    let stopped = false;
    const loop = this.consume(reader, group, consumer, handler, settings, () => stopped);
    const subscription: Subscription = {
      close: async () => {
        stopped = true;
        this.subscriptions.delete(subscription);
        // Ends a blocking read at once; events being handled finish first.
        reader.disconnect();
        await loop;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops every subscription; the shared client belongs to the caller and stays open. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  private async consume(
    reader: Redis,
    group: string,
    consumer: string,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    settings: Settings,
    stopped: () => boolean,
  ): Promise<void> {
    // Up to batchSize events are handled at once; a slow one does not hold up the others,
    // and reading pauses only while all slots are taken.
    const inFlight = new Set<Promise<void>>();
    const track = (work: Promise<void>): void => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    await this.ensureGroup(group);
    let lastClaim = 0;
    while (!stopped()) {
      try {
        if (inFlight.size >= settings.batchSize) {
          await Promise.race(inFlight);
          continue;
        }
        if (Date.now() - lastClaim >= settings.claimIdleMs / 2) {
          lastClaim = Date.now();
          await this.claimIdle(group, consumer, handler, settings, track);
        }
        const reply = (await reader.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          settings.batchSize - inFlight.size,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.stream,
          '>',
        )) as [string, StreamEntry[]][] | null;
        for (const entry of reply?.[0]?.[1] ?? []) track(this.handle(group, entry, 1, handler, settings));
      } catch (error) {
        if (stopped()) break;
        // NOGROUP after a stream was deleted (FLUSHALL, trimming): recreate and go on.
        if (error instanceof Error && error.message.includes('NOGROUP'))
          await this.ensureGroup(group).catch(() => undefined);
        else this.telemetry.log.warn({ err: error, group, consumer }, 'event bus read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    // Handlers still running get a bounded time; what they leave unacknowledged stays
    // pending in the group and is claimed by another consumer.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((resolve) => (timer = setTimeout(resolve, this.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private async ensureGroup(group: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.stream, group, '$', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  /** Takes over events idle at any consumer of the group (a dead one, or our own failures). */
  private async claimIdle(
    group: string,
    consumer: string,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    settings: Settings,
    track: (work: Promise<void>) => void,
  ): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.stream,
        group,
        consumer,
        settings.claimIdleMs,
        cursor,
        'COUNT',
        settings.batchSize,
      )) as [string, StreamEntry[], string[]?];
      cursor = next;
      for (const entry of entries) {
        const pending = (await this.redis.xpending(this.stream, group, entry[0], entry[0], 1)) as [
          string,
          string,
          number,
          number,
        ][];
        const deliveries = pending[0]?.[3] ?? 1;
        track(this.handle(group, entry, deliveries, handler, settings));
      }
    } while (cursor !== '0-0');
  }

  private async handle(
    group: string,
    [id, fields]: StreamEntry,
    deliveries: number,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    settings: Settings,
  ): Promise<void> {
    const json = fieldOf(fields, 'e');
    const type = fieldOf(fields, 't') ?? '';
    if (json === undefined || !settings.accepts(type)) {
      await this.redis.xack(this.stream, group, id);
      return;
    }
    try {
      await handler({ ...decodeEvent(json), id, deliveries });
      await this.redis.xack(this.stream, group, id);
      this.telemetry.handled.inc({ group, outcome: 'ok' });
    } catch (error) {
      if (deliveries >= settings.maxDeliveries) {
        await this.redis
          .multi()
          .xadd(`${this.stream}:dead`, 'MAXLEN', '~', '100000', '*', 'group', group, 'id', id, 'e', json)
          .xack(this.stream, group, id)
          .exec();
        this.telemetry.handled.inc({ group, outcome: 'dropped' });
        this.telemetry.log.error(
          { err: error, group, id, type, deliveries },
          'event moved to the dead-letter stream after max deliveries',
        );
      } else {
        this.telemetry.handled.inc({ group, outcome: 'failed' });
        this.telemetry.log.warn(
          { err: error, group, id, type, deliveries },
          'event handler failed; it stays pending and is claimed again',
        );
      }
    }
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
