import { describe, it, expect, afterEach } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionsError, ManualClock } from '@lattice/core';
import { MetricsRegistry, TelemetryModule } from '@lattice/telemetry';
import {
  DiscoveryClient,
  DiscoveryModule,
  DiscoveryNotRegisteredError,
  DiscoveryRegistration,
  InjectServiceRegistry,
  MemoryRegistry,
  RedisRegistry,
  ServiceRegistry,
  type DiscoveryModuleOptions,
} from '@lattice/discovery';
import { createLogger } from '@lattice/telemetry';
import { Writable } from 'node:stream';
import { redisUrl } from '#test/redis.js';
import { waitFor } from './registry-contract.js';

const quietLogger = createLogger({ app: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

@Injectable()
class UsesRegistry {
  constructor(@InjectServiceRegistry() readonly registry: ServiceRegistry) {}
}

async function startApp(options: DiscoveryModuleOptions, listen = true): Promise<INestApplication> {
  @Module({
    imports: [
      TelemetryModule.forRoot({
        serviceName: 'test',
        logger: quietLogger,
        metrics: new MetricsRegistry({ processMetrics: false }),
      }),
      DiscoveryModule.forRoot(options),
    ],
    providers: [UsesRegistry],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  return app;
}

describe('DiscoveryModule', () => {
  const apps: INestApplication[] = [];
  const registries: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const r of registries.splice(0)) await r.close();
  });

  it('registers on onRegister with the listening HTTP port, drains by hand, and deregisters on onDeregister', async () => {
    const shared = new MemoryRegistry();
    registries.push(shared);
    const app = await startApp({
      memory: { registry: shared },
      instance: { service: 'orders', host: '127.0.0.1', zone: 'z1', version: '3.1.0' },
    });
    apps.push(app);
    const registration = app.get(DiscoveryRegistration);
    await expect(registration.setStatus('OUT_OF_SERVICE')).rejects.toBeInstanceOf(DiscoveryNotRegisteredError);
    // boot calls these by name after listen / first on shutdown
    await registration.onRegister();
    const port = (app.getHttpServer() as { address(): { port: number } }).address().port;
    const [registered] = (await shared.snapshot('orders')).instances;
    expect(registered).toMatchObject({
      service: 'orders',
      host: '127.0.0.1',
      zone: 'z1',
      version: '3.1.0',
      status: 'UP',
      ports: { http: port },
    });
    expect(registration.instanceId).toBe(registered!.instanceId);

    const caller = await startApp({ memory: { registry: shared } }, false);
    apps.push(caller);
    const client = caller.get(DiscoveryClient);
    expect(await client.getInstances('orders')).toHaveLength(1);
    await registration.setStatus('OUT_OF_SERVICE');
    await waitFor(async () => (await client.getInstances('orders')).length === 0);
    expect(registration.status).toBe('OUT_OF_SERVICE');
    await registration.setStatus('UP');
    await waitFor(async () => (await client.getInstances('orders')).length === 1);

    await registration.onDeregister('SIGTERM');
    expect((await shared.snapshot('orders')).instances).toEqual([]);
    expect(app.get(UsesRegistry).registry).toBe(shared);
  });

  it('renews the lease on its interval so the instance outlives its TTL', async () => {
    const clock = new ManualClock(1_000_000);
    const shared = new MemoryRegistry({ clock, sweepIntervalMs: 0 });
    registries.push(shared);
    const app = await startApp(
      {
        memory: { registry: shared },
        clock,
        leaseTtlMs: 3_000,
        renewIntervalMs: 1_000,
        instance: { service: 'orders', ports: { http: 1 } },
      },
      false,
    );
    apps.push(app);
    await app.get(DiscoveryRegistration).onRegister();
    for (let i = 0; i < 10; i++) {
      clock.advance(1_000);
      await new Promise((r) => setImmediate(r));
    }
    const [instance] = (await shared.snapshot('orders')).instances;
    expect(instance!.leaseExpiresAtMs).toBeGreaterThan(clock.now());
    // deregistration removes it at once
    await app.get(DiscoveryRegistration).onDeregister('SIGTERM');
    expect((await shared.snapshot('orders')).instances).toEqual([]);
  });

  it('builds a Redis registry through forRootAsync and closes what it opened', async () => {
    const prefix = `test:module:${process.pid}:`;
    @Module({
      imports: [
        DiscoveryModule.forRootAsync({
          useFactory: () => ({
            backend: 'redis' as const,
            redis: { url: redisUrl(), keyPrefix: prefix },
            instance: { service: 'push', host: '127.0.0.1', ports: { http: 3003 } },
          }),
        }),
      ],
    })
    class AsyncModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AsyncModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const registry = app.get<ServiceRegistry>(ServiceRegistry);
    expect(registry).toBeInstanceOf(RedisRegistry);
    await app.get(DiscoveryRegistration).onRegister();
    const observer = new RedisRegistry({ url: redisUrl(), keyPrefix: prefix });
    registries.push(observer);
    expect((await observer.snapshot('push')).instances.map((i) => i.ports)).toEqual([{ http: 3003 }]);
    await app.close(); // onApplicationShutdown: deregisters (if boot did not) and closes the connections
    expect((await observer.snapshot('push')).instances).toEqual([]);
    expect(registry.health().connected).toBe(false);
  });

  it('types forRootAsync factories against the options', () => {
    DiscoveryModule.forRootAsync({ useFactory: () => ({ backend: 'static', static: { services: {} } }) });
    // @ts-expect-error an unknown backend is a compile error
    DiscoveryModule.forRootAsync({ useFactory: () => ({ backend: 'consul' as const }) });
    // @ts-expect-error ports are numbers
    DiscoveryModule.forRoot({ instance: { service: 'a', ports: { http: '80' } } });
    expect(DiscoveryModule.forRoot({}).global).toBe(true);
    expect(DiscoveryModule.forRoot({ isGlobal: false }).global).toBe(false);
  });

  it('fails at start-up listing every invalid option', async () => {
    const error = await startApp(
      { backend: 'cloud' as never, leaseTtlMs: -1, renewIntervalMs: 20_000, instance: { service: 'Bad' } },
      false,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).data.problems.map((p) => p.path);
    expect(paths).toEqual(['backend', 'leaseTtlMs', 'renewIntervalMs', 'instance.service']);
  });
});
