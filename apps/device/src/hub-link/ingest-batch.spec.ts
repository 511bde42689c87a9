import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import type { DeliveredEvent, EventBus, PlatformEvent, Subscription } from '@lattice/events';
import { createLogger, MetricsRegistry } from '@lattice/telemetry';
import { DeviceEvents } from '../internal/device-events.js';
import { MemoryShadowStore } from '../stores/memory-stores.js';
import type { ShadowReport } from '../stores/device-stores.interfaces.js';
import { IngestBatch } from './ingest-batch.js';

class ListBus implements EventBus {
  readonly events: PlatformEvent[] = [];
  failOn: string | undefined;
  publish(event: PlatformEvent): Promise<string> {
    if (event.deviceId === this.failOn) return Promise.reject(new Error('bus down'));
    this.events.push(event);
    return Promise.resolve(String(this.events.length));
  }
  subscribe(_g: string, _c: string, _h: (event: DeliveredEvent) => void): Subscription {
    return { close: () => Promise.resolve() };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function counterValue(metrics: MetricsRegistry, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

function setup(shadows = new MemoryShadowStore()) {
  const metrics = new MetricsRegistry({ processMetrics: false });
  const bus = new ListBus();
  const logger = createLogger({ app: 'test', level: 'silent' });
  const events = new DeviceEvents(bus, logger, metrics.counter({ name: 'failures_total', help: 'f' }));
  const telemetry = metrics.counter({ name: 'telemetry_total', help: 't' });
  const event = metrics.counter({ name: 'event_total', help: 'e' });
  const failed: number[] = [];
  const batch = new IngestBatch(shadows, events, new ManualClock(5000), { telemetry, event }, (_e, n) =>
    failed.push(n),
  );
  return { metrics, bus, batch, shadows, failed };
}

describe('ingest batch', () => {
  it('writes a turn’s frames at the end of the turn: shadows first, then events in arrival order', async () => {
    const { bus, batch, shadows, metrics } = setup();
    batch.received('telemetry');
    batch.telemetry('home', 'hub', 'd1', 10, { t: 1 });
    batch.received('event');
    batch.event('home', 'hub', 'd2', 11, 'pressed', { n: 2 });
    batch.received('telemetry');
    batch.telemetry('home', 'hub', 'd1', 12, { t: 2, on: true });
    batch.received('telemetry'); // a dropped frame still counts as received
    expect(batch.pending).toBe(true);
    expect(bus.events).toEqual([]); // nothing before the end of the turn
    await new Promise((resolve) => setImmediate(resolve));
    await batch.flush();
    expect(batch.pending).toBe(false);
    expect(bus.events.map((e) => [e.type, e.deviceId, e.tsMs])).toEqual([
      ['device.telemetry', 'd1', 10],
      ['device.event', 'd2', 11],
      ['device.telemetry', 'd1', 12],
    ]);
    expect(bus.events[1]?.data).toEqual({ event: 'pressed', values: { n: 2 } });
    expect(await shadows.get('d1')).toMatchObject({ reported: { t: 2, on: true }, version: 2, updatedAtMs: 5000 });
    expect(await counterValue(metrics, 'telemetry_total')).toBe(3);
    expect(await counterValue(metrics, 'event_total')).toBe(1);
  });

  it('flush() writes at once and keeps batches in order', async () => {
    const { bus, batch } = setup();
    batch.telemetry('home', 'hub', 'd1', 1, { a: 1 });
    const first = batch.flush();
    batch.telemetry('home', 'hub', 'd1', 2, { a: 2 });
    await Promise.all([first, batch.flush()]);
    expect(bus.events.map((e) => e.tsMs)).toEqual([1, 2]);
  });

  it('drops the telemetry of a batch the shadow store refused, but still publishes its device events', async () => {
    const shadows = new MemoryShadowStore();
    shadows.reportMany = (_r: readonly ShadowReport[]) => Promise.reject(new Error('store down'));
    const { bus, batch, failed } = setup(shadows);
    batch.telemetry('home', 'hub', 'd1', 1, { a: 1 });
    batch.event('home', 'hub', 'd1', 2, 'pressed', {});
    await batch.flush();
    expect(failed).toEqual([1]);
    expect(bus.events.map((e) => e.type)).toEqual(['device.event']);
  });

  it('reports saturation while a slow store holds too many frames, and recovers once written', async () => {
    const shadows = new MemoryShadowStore();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    shadows.reportMany = () => slow;
    const { bus, batch } = setup(shadows);
    for (let i = 0; i < 50_000; i++) batch.telemetry('home', 'hub', 'd1', i, { a: i });
    expect(batch.saturated).toBe(true);
    const written = batch.flush();
    expect(batch.saturated).toBe(true); // still being written
    release();
    await written;
    expect(batch.saturated).toBe(false);
    expect(bus.events).toHaveLength(50_000);
  });

  it('counts and logs events the bus refuses without stopping the others', async () => {
    const { bus, batch, metrics } = setup();
    bus.failOn = 'd2';
    batch.telemetry('home', 'hub', 'd1', 1, { a: 1 });
    batch.telemetry('home', 'hub', 'd2', 2, { a: 1 });
    batch.telemetry('home', 'hub', 'd3', 3, { a: 1 });
    await batch.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(bus.events.map((e) => e.deviceId)).toEqual(['d1', 'd3']);
    expect(await counterValue(metrics, 'failures_total')).toBe(1);
  });
});
