import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { redisUrl } from '#test/redis.js';
import { MemoryNonceStore, RedisNonceStore, type NonceStore } from './nonce-store.js';

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

let now = 1_000_000;
const adapters: Array<[string, () => NonceStore, (ms: number) => Promise<void>]> = [
  [
    'memory',
    () => new MemoryNonceStore(() => now),
    (ms) => {
      now += ms;
      return Promise.resolve();
    },
  ],
  [
    'redis',
    () => {
      const client = new Redis(redisUrl());
      clients.push(client);
      return new RedisNonceStore(client, `test:nonce:${Math.random()}:`);
    },
    (ms) => new Promise((r) => setTimeout(r, ms)),
  ],
];

describe.each(adapters)('NonceStore contract: %s', (_name, make, pass) => {
  it('claims a nonce once within its ttl, and again after it', async () => {
    const store = make();
    expect(await store.claim('k:n1', 50)).toBe(true);
    expect(await store.claim('k:n1', 50)).toBe(false);
    expect(await store.claim('k:n2', 50)).toBe(true);
    await pass(120);
    expect(await store.claim('k:n1', 50)).toBe(true);
    await store.close();
  });

  it('lets only one of many concurrent claims of one nonce win', async () => {
    const store = make();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('k:race', 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.close();
  });
});
