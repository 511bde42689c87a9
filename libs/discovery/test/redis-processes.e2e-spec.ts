import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DiscoveryClient, InstanceRegistrar, RedisRegistry } from '@lattice/discovery';
import { redisUrl, startRedis, type TestRedis } from '#test/redis.js';
import { waitFor } from './registry-contract.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/registered-instance.ts', import.meta.url));
const LEASE_TTL_MS = 2_000;

describe('Redis registry with real processes', () => {
  const prefix = `test:processes:${process.pid}:`;
  const service = 'orders';
  const children: ChildProcess[] = [];
  const registries: RedisRegistry[] = [];
  const clients: DiscoveryClient[] = [];
  const registrars: InstanceRegistrar[] = [];
  /** Each watcher's current view (instance ids). */
  const views: Set<string>[] = [];

  beforeAll(async () => {
    // Two steady in-process instances, so one death is 1 of 3 and not a mass expiry.
    const own = new RedisRegistry({ url: redisUrl(), keyPrefix: prefix });
    registries.push(own);
    for (const id of ['steady-1', 'steady-2']) {
      const registrar = new InstanceRegistrar(
        own,
        { service, instanceId: id, host: '127.0.0.1', ports: { http: 1 } },
        {
          leaseTtlMs: LEASE_TTL_MS,
          renewIntervalMs: 500,
        },
      );
      await registrar.start();
      registrars.push(registrar);
    }
    for (let w = 0; w < 3; w++) {
      const registry = new RedisRegistry({ url: redisUrl(), keyPrefix: prefix });
      const client = new DiscoveryClient(registry);
      const view = new Set<string>();
      client.watch(service, (event) => {
        view.clear();
        for (const i of event.instances) view.add(i.instanceId);
      });
      registries.push(registry);
      clients.push(client);
      views.push(view);
    }
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const r of registrars) await r.stop();
    for (const c of clients) await c.close();
    for (const r of registries) await r.close();
  });

  async function startChild(instanceId: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', `${repo}scripts/jest/ts-register.mjs`, fixture], {
      cwd: repo,
      env: {
        ...process.env,
        REDIS_URL: redisUrl(),
        KEY_PREFIX: prefix,
        SERVICE: service,
        INSTANCE_ID: instanceId,
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        RENEW_INTERVAL_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('registered'), 20_000);
    const registeredAt = Date.now();
    await waitFor(() => views.every((v) => v.has(instanceId)));
    // pub/sub: a new instance reaches every watcher within a second
    expect(Date.now() - registeredAt).toBeLessThanOrEqual(1_000);
    return child;
  }

  it('a child killed with SIGKILL leaves every watcher view within TTL + 1 s', async () => {
    const child = await startChild('killed');
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => views.every((v) => !v.has('killed')), LEASE_TTL_MS + 3_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_TTL_MS + 1_000);
    expect(views.every((v) => v.has('steady-1') && v.has('steady-2'))).toBe(true);
  });

  it('a child stopped with SIGTERM deregisters and leaves every watcher view within 1 s', async () => {
    const child = await startChild('terminated');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const stoppedAt = Date.now();
    await waitFor(() => views.every((v) => !v.has('terminated')), 3_000);
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(1_000);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});

describe('Redis registry unreachable', () => {
  let redis: TestRedis | undefined;
  const closers: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await redis?.stop();
  });

  it('clients keep the last known instances while Redis is down and resync when it returns', async () => {
    redis = await startRedis();
    const port = redis.port;
    const service = 'device';
    const instancesRegistry = new RedisRegistry({ url: redis.url, resyncIntervalMs: 500 });
    closers.push(() => instancesRegistry.close());
    const registrars = ['d1', 'd2'].map(
      (id) =>
        new InstanceRegistrar(
          instancesRegistry,
          { service, instanceId: id, host: '127.0.0.1', ports: { grpc: 1 } },
          {
            leaseTtlMs: 3_000,
            renewIntervalMs: 200,
          },
        ),
    );
    for (const r of registrars) {
      await r.start();
      closers.push(() => r.stop());
    }
    const watchRegistry = new RedisRegistry({ url: redis.url, resyncIntervalMs: 500 });
    const client = new DiscoveryClient(watchRegistry);
    closers.push(() => watchRegistry.close());
    closers.push(() => client.close());
    expect((await client.getInstances(service)).map((i) => i.instanceId)).toEqual(['d1', 'd2']);

    await redis.stop();
    await waitFor(() => client.health().stale.includes(service));
    expect(client.health()).toMatchObject({ status: 'degraded', connected: false, stale: [service] });
    expect((await client.getInstances(service)).map((i) => i.instanceId)).toEqual(['d1', 'd2']);

    // A fresh, empty Redis on the same port: instances re-register on their next renewal,
    // and the client resyncs.
    redis = await startRedis(port);
    await waitFor(() => client.health().stale.length === 0, 10_000);
    const ids = async (): Promise<string> => (await client.getInstances(service)).map((i) => i.instanceId).join();
    await waitFor(async () => (await ids()) === 'd1,d2', 10_000);
    expect(client.health()).toMatchObject({ status: 'up', connected: true });
    // and it follows changes again
    await registrars[1]!.stop();
    await waitFor(async () => (await ids()) === 'd1');
  });
});
