import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ManualClock } from '@lattice/core';
import {
  MemoryDirectoryStore,
  MemoryMessageStore,
  RedisDirectoryStore,
  RedisMessageStore,
} from '@lattice-platform/push';
import { redisUrl } from '#test/redis.js';
import { message, storeContract } from './support/store-contract.js';

storeContract('memory', (clock) => {
  const directory = new MemoryDirectoryStore();
  return { messages: new MemoryMessageStore({ clock, directory }), directory };
});

describe('memory message store: records past their retention', () => {
  it('are dropped as accepts go on, whether or not anyone reads them again', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryMessageStore({ clock, retentionSeconds: 60 });
    const old = Array.from({ length: 50 }, () => message(clock, { ttlSeconds: 60 }));
    for (const m of old) await store.accept(m, [{ userId: 'u1', deviceIds: ['d'] }]);
    const kept = message(clock, { ttlSeconds: 3600 });
    await store.accept(kept, [{ userId: 'u2', deviceIds: ['d'] }]);
    expect(store.size).toBe(51);
    clock.advance(121_000); // past the 60 s TTL and 60 s retention of the first 50
    for (let i = 0; i < 40; i++) await store.accept(message(clock), [{ userId: 'u3', deviceIds: ['d'] }]);
    // Every expired record was swept without a read, the live ones stay.
    expect(store.size).toBe(41);
    expect(await store.get(kept.id)).toEqual(kept);
    expect(await store.get(old[0]!.id)).toBeUndefined();
  });
});

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

describe('redis message store: a large audience stored in parts', () => {
  const users = Array.from({ length: 2_500 }, (_, i) => `u${i}`);
  const recipients = users.map((userId) => ({ userId, deviceIds: ['d'] }));

  it('resumes an accept cut off after its first part: the same id stores only the recipients still missing', async () => {
    const keyPrefix = `test:push:${randomUUID()}:`;
    const clock = new ManualClock(1_000_000);
    const store = new RedisMessageStore({ redis: client, keyPrefix, clock });
    await store.accept(message(clock), [{ userId: 'u0', deviceIds: ['d'] }]); // the script is loaded
    // A connection that is lost once the first part is written: the process died mid-accept.
    let sent = 0;
    const cut = new Proxy(client, {
      get(target, prop) {
        if (prop === 'sendCommand')
          return (command: Parameters<Redis['sendCommand']>[0]) =>
            sent++ === 0 ? target.sendCommand(command) : Promise.reject(new Error('connection lost'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const dying = new RedisMessageStore({ redis: cut, keyPrefix, clock });
    const big = message(clock);
    const firstPart: string[] = [];
    await expect(
      dying.accept(big, recipients, undefined, (stored) => firstPart.push(...stored.map((r) => r.userId))),
    ).rejects.toThrow('connection lost');
    expect(firstPart.length).toBeGreaterThan(0);
    expect(firstPart.length).toBeLessThan(users.length);

    const resumed: string[] = [];
    const again = await store.accept({ ...big, title: 'again' }, recipients, undefined, (stored, record) => {
      expect(record.title).toBe('t');
      resumed.push(...stored.map((r) => r.userId));
    });
    expect(again.created).toBe(false);
    expect([...firstPart, ...resumed].sort()).toEqual([...users].sort());
    expect(again.recipients.map((r) => r.userId)).toEqual(resumed);
    for (const user of ['u0', users[firstPart.length]!, 'u2499'])
      expect((await store.read(user, 0)).entries.filter((e) => e.message.id === big.id)).toHaveLength(1);
    expect((await store.read('u0', 0)).headOffset).toBe(2);
    expect((await store.accept(big, recipients)).recipients).toEqual([]);
  });
});
