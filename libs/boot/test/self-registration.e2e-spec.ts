import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { DiscoveryClient, MemoryRegistry } from '@lattice/discovery';
import { redisUrl } from '#test/redis.js';
import { startTestApp, stopTestApps } from '#test/boot.js';

afterEach(stopTestApps);

@Module({})
class AppModule {}

function boot(name: string, extra: Partial<Parameters<typeof startTestApp>[1]> = {}, env: Record<string, string> = {}) {
  return startTestApp(AppModule, { ...extra, name, env: { LATTICE__DISCOVERY__HOST: '127.0.0.1', ...env } });
}

describe('boot registers every app in discovery (self-registration)', () => {
  it('memory backend: apps sharing a registry find each other with their ports, and leave on shutdown', async () => {
    const serviceRegistry = new MemoryRegistry();
    const device = await boot('device', { serviceRegistry, discoveryPorts: { grpc: 50052 } });
    const gateway = await boot('gateway', { serviceRegistry });

    const discovery = gateway.nest.get(DiscoveryClient);
    const [instance] = await discovery.getInstances('device');
    expect(instance).toMatchObject({ service: 'device', host: '127.0.0.1', status: 'UP' });
    expect(instance!.ports).toEqual({ http: device.port, grpc: 50052 });
    const ready = await (await fetch(`${gateway.url}/health/ready`)).json();
    expect(ready).toMatchObject({ info: { discovery: { status: 'up', state: 'up' } } });

    await device.shutdown();
    expect(await discovery.getInstances('device')).toEqual([]);
  });

  it('redis backend: another process view sees the instance, and loses it when it shuts down', async () => {
    const service = `svc-${Date.now()}`;
    const env = { LATTICE_BACKEND: 'redis', LATTICE_REDIS_URL: redisUrl() };
    const app = await boot(service, {}, env);
    const observer = await boot('observer', {}, env);
    const discovery = observer.nest.get(DiscoveryClient);
    const [instance] = await discovery.getInstances(service);
    expect(instance?.ports['http']).toBe(app.port);
    await app.shutdown();
    const deadline = Date.now() + 2_000;
    while ((await discovery.getInstances(service)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await discovery.getInstances(service)).toEqual([]);
  });
});
