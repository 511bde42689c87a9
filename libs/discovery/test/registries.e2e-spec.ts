import { describe, it, expect, afterAll } from '@jest/globals';
import {
  MemoryRegistry,
  RedisRegistry,
  StaticRegistry,
  type InstanceDescriptor,
  type StaticInstanceConfig,
} from '@lattice/discovery';
import { Redis } from 'ioredis';
import { redisUrl } from '#test/redis.js';
import { registryContract, waitFor, type ContractSubject } from './registry-contract.js';

registryContract({
  name: 'memory',
  leases: true,
  create: (clock) => {
    const registry = new MemoryRegistry({ clock, sweepIntervalMs: 0 });
    return Promise.resolve(writableSubject(registry));
  },
});

let redisSerial = 0;
registryContract({
  name: 'redis',
  leases: true,
  create: (clock) => {
    const registry = new RedisRegistry({
      url: redisUrl(),
      clock,
      keyPrefix: `test:contract:${process.pid}:${++redisSerial}:`,
      sweepIntervalMs: 0,
      resyncIntervalMs: 0,
    });
    return Promise.resolve(writableSubject(registry));
  },
});

registryContract({
  name: 'static',
  leases: false,
  create: (clock) => {
    const registry = new StaticRegistry({ clock });
    const config = new Map<string, Map<string, StaticInstanceConfig>>();
    const apply = (): void =>
      registry.replace(Object.fromEntries([...config].map(([service, byId]) => [service, [...byId.values()]])));
    return Promise.resolve({
      registry,
      seed: (instances: readonly InstanceDescriptor[]) => {
        for (const { service, ...rest } of instances) {
          if (!config.has(service)) config.set(service, new Map());
          config.get(service)!.set(rest.instanceId, rest);
        }
        apply();
        return Promise.resolve();
      },
      remove: (service: string, instanceId: string) => {
        config.get(service)?.delete(instanceId);
        apply();
        return Promise.resolve();
      },
      close: () => registry.close(),
    });
  },
});

function writableSubject(registry: MemoryRegistry | RedisRegistry): ContractSubject {
  return {
    registry,
    seed: async (instances) => {
      for (const i of instances) await registry.register(i, { leaseTtlMs: 60_000 });
    },
    remove: async (service, instanceId) => {
      await registry.deregister(service, instanceId);
    },
    close: () => registry.close(),
  };
}

describe('StaticRegistry specifics', () => {
  const registries: StaticRegistry[] = [];
  afterAll(async () => {
    for (const r of registries) await r.close();
  });

  it('derives instance ids from host and first port, and treats writes as no-ops', async () => {
    const registry = new StaticRegistry({ services: { device: [{ host: '127.0.0.1', ports: { grpc: 50052 } }] } });
    registries.push(registry);
    const { instances } = await registry.snapshot('device');
    expect(instances.map((i) => i.instanceId)).toEqual(['127.0.0.1:50052']);
    await registry.register({ service: 'device', instanceId: 'x', host: 'h', ports: {} }, { leaseTtlMs: 1 });
    expect(await registry.deregister('device', '127.0.0.1:50052')).toBe(false);
    expect((await registry.snapshot('device')).instances).toHaveLength(1);
    expect(instances[0]!.leaseExpiresAtMs).toBeUndefined();
  });
});

describe('RedisRegistry specifics', () => {
  it('heals a missed notification with the periodic resync', async () => {
    const keyPrefix = `test:resync:${process.pid}:`;
    const writer = new RedisRegistry({ url: redisUrl(), keyPrefix, sweepIntervalMs: 0, resyncIntervalMs: 0 });
    const watcher = new RedisRegistry({ url: redisUrl(), keyPrefix, sweepIntervalMs: 0, resyncIntervalMs: 200 });
    const raw = new Redis(redisUrl());
    try {
      await writer.register({ service: 'svc', instanceId: 'a', host: 'h', ports: {} }, { leaseTtlMs: 60_000 });
      let status = '';
      watcher.watch('svc', { onSnapshot: (snap) => (status = snap.instances[0]?.status ?? '') });
      await waitFor(() => status === 'UP');
      // A change whose notification is lost: written without PUBLISH.
      const state = (await raw.hget(`${keyPrefix}{svc}:state`, 'a'))!;
      await raw.hset(`${keyPrefix}{svc}:state`, 'a', state.replace(/^UP /, 'OUT_OF_SERVICE '));
      await waitFor(() => status === 'OUT_OF_SERVICE', 3_000);
    } finally {
      await raw.quit();
      await watcher.close();
      await writer.close();
    }
  });
});
