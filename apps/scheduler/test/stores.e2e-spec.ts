import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  MemoryDeviceStateStore,
  MemoryRuleStore,
  MemoryRunStore,
  MemoryTimerStore,
  RedisDeviceStateStore,
  RedisRuleStore,
  RedisRunStore,
  RedisTimerStore,
} from '@lattice-platform/scheduler/testing';
import { redisUrl } from '#test/redis.js';
import { storeContract } from './store-contract.js';

storeContract({
  name: 'memory',
  timers: () => new MemoryTimerStore(),
  rules: () => new MemoryRuleStore(),
  runs: (max) => new MemoryRunStore(max),
  states: () => new MemoryDeviceStateStore(),
});

const redis = new Redis(redisUrl(), { lazyConnect: false });
afterAll(async () => {
  await redis.quit();
});
const prefix = (): string => `test:scheduler:${randomUUID()}:`;

storeContract({
  name: 'redis',
  timers: () => new RedisTimerStore({ redis, keyPrefix: prefix() }),
  rules: () => new RedisRuleStore({ redis, keyPrefix: prefix() }),
  runs: (max) => new RedisRunStore({ redis, keyPrefix: prefix() }, max),
  states: () => new RedisDeviceStateStore({ redis, keyPrefix: prefix() }),
});
