import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ManualClock } from '@lattice/core';
import {
  MemoryCommandStore,
  MemoryDeviceStore,
  MemoryHubStore,
  MemoryShadowStore,
  RedisCommandStore,
  RedisDeviceStore,
  RedisHubStore,
  RedisShadowStore,
} from '@lattice-platform/device';
import { redisUrl } from '#test/redis.js';
import { describeDeviceStoreContract } from './support/store-contract.js';

describeDeviceStoreContract('memory', () => {
  const clock = new ManualClock(1_000);
  return Promise.resolve({
    hubs: new MemoryHubStore(clock),
    devices: new MemoryDeviceStore(),
    shadows: new MemoryShadowStore(),
    commands: new MemoryCommandStore(clock),
    elapse: (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    },
  });
});

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

describeDeviceStoreContract('redis', () => {
  const redis = new Redis(redisUrl());
  clients.push(redis);
  const prefix = `test:device:${randomUUID()}:`;
  return Promise.resolve({
    hubs: new RedisHubStore(redis, prefix),
    devices: new RedisDeviceStore(redis, prefix),
    shadows: new RedisShadowStore(redis, prefix),
    commands: new RedisCommandStore(redis, prefix),
    elapse: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  });
});
