import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { EventBus, MemoryEventBus, type DeliveredEvent } from '@lattice/events';
import { redisUrl } from '#test/redis.js';
import { waitFor } from '#test/wait.js';
import { startTestApp, stopTestApps } from '#test/boot.js';

afterEach(stopTestApps);

@Module({})
class AppModule {}

function boot(name: string, env: Record<string, string>, eventBus?: EventBus) {
  return startTestApp(AppModule, { name, env, ...(eventBus ? { eventBus } : {}) });
}

describe.each([
  ['memory (one bus shared by the apps of a process)', {}],
  ['redis (Redis Streams)', { LATTICE_BACKEND: 'redis' }],
])('boot provides the event bus: %s', (_name, backendEnv) => {
  it('an event published by one app reaches another app consumer group', async () => {
    const env = { ...backendEnv, LATTICE_REDIS_URL: redisUrl() };
    const shared = 'LATTICE_BACKEND' in backendEnv ? undefined : new MemoryEventBus();
    const device = await boot('device', env, shared);
    const scheduler = await boot('scheduler', env, shared);

    const received: DeliveredEvent[] = [];
    const bus: EventBus = scheduler.nest.get(EventBus);
    bus.subscribe(`rules-${Date.now()}`, 'scheduler-1', (e) => void received.push(e), { types: ['device.*'] });
    await new Promise((r) => setTimeout(r, 100));

    const publisher: EventBus = device.nest.get(EventBus);
    await publisher.publish({ type: 'device.event', tsMs: Date.now(), deviceId: 'smoke-1', data: { smoke: true } });
    await waitFor(() => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'device.event', deviceId: 'smoke-1', data: { smoke: true } });
  });
});
