import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
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

/** Options of {@link MemoryEventBus}. */
export interface MemoryEventBusOptions extends BusTelemetryOptions {
  /** Events kept for groups created later or lagging (oldest dropped first). @default 100000 */
  maxLength?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface Consumer {
  readonly name: string;
  readonly handler: (event: DeliveredEvent) => Promise<void> | void;
  readonly options: SubscribeSettings;
  inFlight: number;
  closed: boolean;
}

interface Group {
  readonly name: string;
  next: number;
  readonly consumers: Consumer[];
  turn: number;
  readonly deliveries: Map<number, number>;
  readonly retries: Set<ClockTimer>;
  readonly running: Set<Promise<void>>;
}

/**
 * The event bus for one process (the memory backend): a bounded in-memory log with
 * consumer groups that behave like Redis Streams' — each group sees every event once,
 * its consumers share them round-robin, and an event whose handler fails is delivered
 * again (to the next consumer) after a back-off, up to `maxDeliveries`.
 *
 * @example
 * ```ts
 * const bus = new MemoryEventBus();
 * bus.subscribe('scheduler', 'replica-1', async (e) => rules.onEvent(e), { types: ['device.*'] });
 * await bus.publish({ type: 'device.event', tsMs: Date.now(), deviceId: 'd-1', data: { smoke: true } });
 * ```
 */
export class MemoryEventBus implements EventBus {
  private readonly log: { seq: number; json: string; type: string }[] = [];
  private seq = 0;
  private readonly groups = new Map<string, Group>();
  private readonly telemetry: BusTelemetry;
  private readonly clock: Clock;
  private readonly maxLength: number;
  private closed = false;

  constructor(options: MemoryEventBusOptions = {}) {
    this.telemetry = new BusTelemetry(options);
    this.clock = options.clock ?? systemClock;
    this.maxLength = options.maxLength ?? 100_000;
  }

  publish(event: PlatformEvent): Promise<string> {
    // A throw inside the executor becomes a rejection, as callers of a bus expect.
    return new Promise((resolve) => resolve(this.append(event)));
  }

  private append(event: PlatformEvent): string {
    if (this.closed) throw new EventBusClosedError();
    const json = encodeEvent(event);
    const seq = ++this.seq;
    this.log.push({ seq, json, type: event.type });
    // Trimmed in chunks of a tenth: one splice per maxLength/10 publishes keeps publishing
    // O(1) on average (a splice per publish was a third of the device app's CPU when full).
    if (this.log.length > this.maxLength + Math.ceil(this.maxLength / 10)) {
      this.log.splice(0, this.log.length - this.maxLength);
    }
    this.telemetry.published.inc({ type: event.type });
    // Handlers run after the publisher's turn, as they would after a round trip to Redis.
    queueMicrotask(() => {
      for (const group of this.groups.values()) this.pump(group);
    });
    return `${seq}-0`;
  }

  subscribe(
    groupName: string,
    consumerName: string,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.closed) throw new EventBusClosedError();
    let group = this.groups.get(groupName);
    if (group === undefined) {
      group = {
        name: groupName,
        next: this.seq + 1,
        consumers: [],
        turn: 0,
        deliveries: new Map(),
        retries: new Set(),
        running: new Set(),
      };
      this.groups.set(groupName, group);
    }
    const consumer: Consumer = {
      name: consumerName,
      handler,
      options: subscribeSettings(options),
      inFlight: 0,
      closed: false,
    };
    group.consumers.push(consumer);
    const owner = group;
    queueMicrotask(() => this.pump(owner));
    return {
      close: async () => {
        consumer.closed = true;
        const index = owner.consumers.indexOf(consumer);
        if (index !== -1) owner.consumers.splice(index, 1);
        await Promise.allSettled([...owner.running]);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const group of this.groups.values()) {
      for (const consumer of group.consumers) consumer.closed = true;
      group.consumers.length = 0;
      for (const timer of group.retries) this.clock.clearTimeout(timer);
      group.retries.clear();
      await Promise.allSettled([...group.running]);
    }
  }

  /** Hands the group's new events to its consumers, each within its batch size. */
  private pump(group: Group): void {
    while (!this.closed) {
      const entry = this.entryAt(group.next);
      if (entry === undefined) return;
      const consumer = this.nextConsumer(group);
      if (consumer === undefined) return;
      group.next = entry.seq + 1;
      this.deliver(group, consumer, entry.seq, entry.json, entry.type);
    }
  }

  private entryAt(seq: number): { seq: number; json: string; type: string } | undefined {
    const first = this.log[0];
    if (first === undefined) return undefined;
    // Events trimmed away before a lagging group read them are skipped, like a capped stream.
    return this.log[Math.max(0, seq - first.seq)];
  }

  private nextConsumer(group: Group): Consumer | undefined {
    for (let i = 0; i < group.consumers.length; i++) {
      const consumer = group.consumers[(group.turn + i) % group.consumers.length]!;
      if (!consumer.closed && consumer.inFlight < consumer.options.batchSize) {
        group.turn = (group.turn + i + 1) % group.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  private deliver(group: Group, consumer: Consumer, seq: number, json: string, type: string): void {
    if (!consumer.options.accepts(type)) return; // acknowledged without handling, as the Redis adapter does
    const deliveries = (group.deliveries.get(seq) ?? 0) + 1;
    group.deliveries.set(seq, deliveries);
    consumer.inFlight++;
    const event: DeliveredEvent = { ...decodeEvent(json), id: `${seq}-0`, deliveries };
    const run = (async () => {
      try {
        await consumer.handler(event);
        group.deliveries.delete(seq);
        this.telemetry.handled.inc({ group: group.name, outcome: 'ok' });
      } catch (error) {
        this.failed(group, consumer, seq, json, type, deliveries, error);
      } finally {
        consumer.inFlight--;
      }
    })();
    group.running.add(run);
    void run.finally(() => {
      group.running.delete(run);
      this.pump(group);
    });
  }

  private failed(
    group: Group,
    consumer: Consumer,
    seq: number,
    json: string,
    type: string,
    deliveries: number,
    error: unknown,
  ): void {
    if (deliveries >= consumer.options.maxDeliveries) {
      group.deliveries.delete(seq);
      this.telemetry.handled.inc({ group: group.name, outcome: 'dropped' });
      this.telemetry.log.error(
        { err: error, group: group.name, type, id: `${seq}-0`, deliveries },
        'event dropped after max deliveries',
      );
      return;
    }
    this.telemetry.handled.inc({ group: group.name, outcome: 'failed' });
    this.telemetry.log.warn(
      { err: error, group: group.name, type, id: `${seq}-0`, deliveries },
      'event handler failed; it will be delivered again',
    );
    // Redelivered after a back-off that grows with each attempt (capped by claimIdleMs).
    const delayMs = Math.min(consumer.options.claimIdleMs, 100 * 2 ** (deliveries - 1));
    const retry = (): void => {
      group.retries.delete(timer);
      if (this.closed) return;
      const next = this.nextConsumer(group);
      if (next !== undefined) {
        this.deliver(group, next, seq, json, type);
      } else {
        // Every consumer is busy or gone: the event stays pending until one can take it.
        timer = this.clock.setTimeout(retry, delayMs);
        group.retries.add(timer);
      }
    };
    let timer = this.clock.setTimeout(retry, delayMs);
    group.retries.add(timer);
  }
}
