import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  MemoryDirectoryStore,
  MemoryMessageStore,
  RedisDirectoryStore,
  RedisMessageStore,
} from '@lattice-platform/push';
import { redisUrl } from '#test/redis.js';
import { storeContract } from './support/store-contract.js';

storeContract('memory', (clock) => ({
  messages: new MemoryMessageStore({ clock }),
  directory: new MemoryDirectoryStore(),
}));

let client: Redis;
beforeAll(() => {
  client = new Redis(redisUrl());
});
afterAll(async () => {
  await client.quit();
});

storeContract('redis', (clock) => {
  const keyPrefix = `test:push:${randomUUID()}:`;
  return {
    messages: new RedisMessageStore({ redis: client, keyPrefix, clock }),
    directory: new RedisDirectoryStore({ redis: client, keyPrefix }),
  };
});
