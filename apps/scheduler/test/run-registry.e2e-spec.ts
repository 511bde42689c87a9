import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryRunRegistry, RedisRunRegistry } from '@lattice-platform/scheduler/testing';
import { redisUrl } from '#test/redis.js';
import { runRegistryContract } from './run-registry-contract.js';

runRegistryContract({ name: 'memory', registry: () => new MemoryRunRegistry() });

const redis = new Redis(redisUrl());
afterAll(async () => {
  await redis.quit();
});

runRegistryContract({
  name: 'redis',
  registry: () => new RedisRunRegistry({ redis, keyPrefix: `test:scheduler:${randomUUID()}:` }),
});
