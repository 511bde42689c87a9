import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createLogger } from '@lattice/telemetry';
import {
  EventBusClosedError,
  InvalidEventError,
  MemoryEventBus,
  RedisEventBus,
  type DeliveredEvent,
  type EventBus,
  type PlatformEvent,
} from '@lattice/events';
import { redisUrl } from '#test/redis.js';
import { waitFor } from '#test/wait.js';

const logger = createLogger({ app: 'events-spec', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function event(type: string, n: number): PlatformEvent {
  return { type, tsMs: Date.now(), deviceId: `d-${n}`, data: { n } };
}

let streams = 0;
const adapters: [string, () => EventBus][] = [
  [
    'memory',
    () => {
      const bus = new MemoryEventBus({ logger });
      cleanups.push(() => bus.close());
      return bus;
    },
  ],
  [
    'redis',
    () => {
      const client = new Redis(redisUrl());
      const bus = new RedisEventBus({
        client,
        logger,
        stream: `test:events:${process.pid}:${++streams}`,
        blockMs: 200,
      });
      cleanups.push(() => client.quit());
      cleanups.push(() => bus.close());
      return bus;
    },
  ],
];

describe.each(adapters)('EventBus contract: %s', (_name, makeBus) => {
  it('gives every group every event, and shares a group among its consumers without duplicates', async () => {
    const bus = makeBus();
    const scheduler: string[] = [];
    const pushA: string[] = [];
    const pushB: string[] = [];
    bus.subscribe('scheduler', 's-1', (e) => void scheduler.push(e.deviceId!));
    bus.subscribe('push', 'p-a', (e) => void pushA.push(e.deviceId!));
    bus.subscribe('push', 'p-b', (e) => void pushB.push(e.deviceId!));
    await new Promise((r) => setTimeout(r, 100)); // groups exist before publishing
    for (let n = 0; n < 40; n++) await bus.publish(event('device.telemetry', n));

    await waitFor(() => scheduler.length === 40 && pushA.length + pushB.length === 40);
    expect(new Set(scheduler).size).toBe(40);
    expect(new Set([...pushA, ...pushB]).size).toBe(40);
  });

  it('passes only the subscribed types (exact or prefix.*)', async () => {
    const bus = makeBus();
    const seen: string[] = [];
    bus.subscribe('alerts', 'a-1', (e) => void seen.push(e.type), { types: ['device.event', 'hub.*'] });
    await new Promise((r) => setTimeout(r, 100));
    for (const type of ['device.telemetry', 'device.event', 'hub.online', 'hub.offline', 'rule.push']) {
      await bus.publish(event(type, 1));
    }
    await waitFor(() => seen.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.sort()).toEqual(['device.event', 'hub.offline', 'hub.online']);
  });

  it('delivers a failed event again, counting deliveries, and drops it after maxDeliveries', async () => {
    const bus = makeBus();
    const attempts: DeliveredEvent[] = [];
    bus.subscribe(
      'flaky',
      'f-1',
      (e) => {
        attempts.push(e);
        if (e.deviceId === 'd-1' && e.deliveries < 2) throw new Error('transient');
        if (e.deviceId === 'd-2') throw new Error('poison');
      },
      { claimIdleMs: 200, maxDeliveries: 3 },
    );
    await new Promise((r) => setTimeout(r, 100));
    await bus.publish(event('device.event', 1));
    await bus.publish(event('device.event', 2));

    await waitFor(() => attempts.filter((a) => a.deviceId === 'd-2').length === 3, 8_000);
    const first = attempts.filter((a) => a.deviceId === 'd-1').map((a) => a.deliveries);
    expect(first).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 600));
    expect(attempts.filter((a) => a.deviceId === 'd-2')).toHaveLength(3); // dropped, not retried forever
  });

  it('starts a new group at new events and refuses bad events with a typed error', async () => {
    const bus = makeBus();
    await bus.publish(event('device.event', 0));
    const seen: string[] = [];
    bus.subscribe('late', 'l-1', (e) => void seen.push(e.deviceId!));
    await new Promise((r) => setTimeout(r, 100));
    await bus.publish(event('device.event', 1));
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['d-1']);

    await expect(bus.publish({ type: '', tsMs: 1, data: {} })).rejects.toBeInstanceOf(InvalidEventError);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    await expect(bus.publish({ type: 'x', tsMs: 1, data: circular })).rejects.toBeInstanceOf(InvalidEventError);
    await bus.close();
    await expect(bus.publish(event('device.event', 2))).rejects.toBeInstanceOf(EventBusClosedError);
  });
});

describe('RedisEventBus: a consumer that dies mid-handling loses nothing', () => {
  it('lets another consumer of the group claim the events it left unacknowledged', async () => {
    const stream = `test:events:${process.pid}:claim`;
    const clientA = new Redis(redisUrl());
    const clientB = new Redis(redisUrl());
    cleanups.push(
      () => clientA.quit(),
      () => clientB.quit(),
    );
    const a = new RedisEventBus({ client: clientA, logger, stream, blockMs: 200, closeTimeoutMs: 100 });
    const b = new RedisEventBus({ client: clientB, logger, stream, blockMs: 200 });
    cleanups.push(() => b.close());

    const stuck: string[] = [];
    // Consumer A reads but never finishes (as if its process froze, then died).
    const dying = a.subscribe('scheduler', 'a', (e) => {
      stuck.push(e.deviceId!);
      return new Promise<void>(() => undefined);
    });
    await new Promise((r) => setTimeout(r, 100));
    for (let n = 0; n < 5; n++) await a.publish(event('device.event', n));
    await waitFor(() => stuck.length === 5);
    await dying.close(); // stops reading; its five events stay pending in the group

    const rescued: DeliveredEvent[] = [];
    b.subscribe('scheduler', 'b', (e) => void rescued.push(e), { claimIdleMs: 300 });
    await waitFor(() => rescued.length === 5, 8_000);
    expect(rescued.map((e) => e.deviceId).sort()).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
    expect(rescued.every((e) => e.deliveries >= 2)).toBe(true);
    const pending = (await clientB.xpending(stream, 'scheduler')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
