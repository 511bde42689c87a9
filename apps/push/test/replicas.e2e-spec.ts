import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { redisUrl } from '#test/redis.js';
import { admin, call, identity, LiveClient, send, settle, startPush, type TestPush } from './support/push-harness.js';

describe('push: several replicas on Redis', () => {
  const prefix = `test:push:${randomUUID()}:`;
  const env = { LATTICE_BACKEND: 'redis', LATTICE_REDIS_URL: redisUrl(), LATTICE_DISCOVERY: 'memory' };
  let a: TestPush;
  let b: TestPush;

  beforeAll(async () => {
    const push = { store: { keyPrefix: prefix }, fallback: { enabled: false }, alerts: { enabled: false } };
    a = await startPush({ env, push });
    b = await startPush({ env, push });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('fans a message accepted by one replica out to the user’s devices on every replica', async () => {
    const onA = await LiveClient.connect(a, identity('r-user'), { device: 'phone' });
    const onB = await LiveClient.connect(b, identity('r-user'), { device: 'tablet' });
    const other = await LiveClient.connect(b, identity('r-other'));
    await Promise.all([onA, onB, other].map((c) => c.until((f) => f.length > 0)));
    const sent = [];
    for (let i = 0; i < 5; i++)
      sent.push((await send(i % 2 === 0 ? a : b, { target: { users: ['r-user'] } })).body['id']);
    await onA.untilMessages(5);
    await onB.untilMessages(5);
    await settle();
    expect(onA.messages.map((m) => m['id'])).toEqual(sent);
    expect(onB.messages.map((m) => m['offset'])).toEqual([1, 2, 3, 4, 5]);
    expect(other.messages).toHaveLength(0);
    await Promise.all([onA, onB, other].map((c) => c.close()));
  });

  it("stores a batch in its order on Redis, whatever each message's audience costs to resolve", async () => {
    await call(a, 'PUT', '/push/homes/r-home/members', admin(), { users: ['r-batch'] });
    const client = await LiveClient.connect(b, identity('r-batch'));
    await client.until((f) => f.length > 0);
    // Home targets take a Redis round trip more than user targets: order must still hold.
    const messages = Array.from({ length: 40 }, (_, n) => ({
      title: `m${n}`,
      body: '',
      data: { n },
      target: n % 3 === 0 ? { homes: ['r-home'] } : { users: ['r-batch'] },
    }));
    const res = await call(a, 'POST', '/push/messages/batch', admin(), { messages });
    expect(res.status).toBe(202);
    await client.untilMessages(40);
    expect(client.messages.map((m) => (m['data'] as { n: number }).n)).toEqual(messages.map((m) => m.data.n));
    expect(client.messages.map((m) => m['offset'])).toEqual(messages.map((_, i) => i + 1));
    await client.close();
  });

  it('closes live sessions with 1001 when a replica drains; the client resumes on the other', async () => {
    const c = await startPush({
      env,
      push: { store: { keyPrefix: prefix }, fallback: { enabled: false }, alerts: { enabled: false } },
    });
    const client = await LiveClient.connect(c, identity('r-drain'));
    await client.until((f) => f.length > 0);
    await send(c, { target: { users: ['r-drain'] } });
    await client.untilMessages(1);
    const epoch = String(client.messages[0]?.['epoch']);
    const offset = Number(client.messages[0]?.['offset']);
    await c.stop();
    expect(client.closeCode).toBe(1001);
    const missed = await send(a, { target: { users: ['r-drain'] } });
    const resumed = await LiveClient.connect(b, identity('r-drain'), { offset, epoch });
    await resumed.untilMessages(1);
    expect(resumed.messages[0]?.['id']).toBe(missed.body['id']);
    await resumed.close();
  });
});
