import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { redisUrl } from '#test/redis.js';
import type { FanoutNotice } from './fanout.interfaces.js';
import { RedisFanout } from './redis-fanout.js';

const notice = (id: string): FanoutNotice => ({
  message: {
    id,
    title: 't',
    body: 'b',
    data: {},
    priority: 'normal',
    ttlSeconds: 60,
    sender: 'user:a',
    acceptedAtMs: 1,
    expiresAtMs: 60_001,
  },
  recipients: [{ userId: 'u1', epoch: 'e1', offset: 3 }],
});

describe('RedisFanout', () => {
  const clients: Redis[] = [];
  const fanouts: RedisFanout[] = [];
  afterAll(async () => {
    await Promise.all(fanouts.map((f) => f.close()));
    await Promise.all(clients.map((c) => c.quit()));
  });
  const replica = (channel: string): RedisFanout => {
    const client = new Redis(redisUrl());
    clients.push(client);
    const fanout = new RedisFanout({ client, channel });
    fanouts.push(fanout);
    return fanout;
  };

  it('delivers to its own replica at once and exactly once, and to the others through Redis', async () => {
    const channel = `test:push:fanout:${randomUUID()}`;
    const [a, b] = [replica(channel), replica(channel)];
    const onA: FanoutNotice[] = [];
    const onB: FanoutNotice[] = [];
    await a.subscribe((n) => void onA.push(n));
    await b.subscribe((n) => void onB.push(n));
    const publishing = a.publish(notice('m1'));
    expect(onA.map((n) => n.message.id)).toEqual(['m1']);
    await publishing;
    await b.publish(notice('m2'));
    const until = Date.now() + 5000;
    while ((onA.length < 2 || onB.length < 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(onA.map((n) => n.message.id)).toEqual(['m1', 'm2']);
    expect(onB.map((n) => n.message.id)).toEqual(['m1', 'm2']);
    expect(onB[0]).toMatchObject(notice('m1'));
  });
});
