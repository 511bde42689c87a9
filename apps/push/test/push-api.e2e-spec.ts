import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryEventBus, type DeliveredEvent } from '@lattice/events';
import {
  admin,
  call,
  eventually,
  identity,
  LiveClient,
  send,
  settle,
  startPush,
  type TestPush,
} from './support/push-harness.js';

describe('push: accept API, live channel, status', () => {
  let push: TestPush;
  const bus = new MemoryEventBus();
  const receipts: DeliveredEvent[] = [];
  const clients: LiveClient[] = [];
  const connect = async (...args: Parameters<typeof LiveClient.connect> extends [unknown, ...infer R] ? R : never) => {
    const client = await LiveClient.connect(push, ...args);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    push = await startPush({ eventBus: bus, push: { limits: { perSenderQps: 1000 }, fallback: { enabled: false } } });
    bus.subscribe('test-receipts', 'test', (event) => void receipts.push(event), { types: ['push.receipt'] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await push?.stop();
    await bus.close();
  });

  describe('identity', () => {
    it('answers 401 problem+json without identity or with a bad signature', async () => {
      const none = await call(push, 'POST', '/push/messages', {}, { title: 'x', body: '', target: { users: ['a'] } });
      expect(none.status).toBe(401);
      expect(none.type).toContain('application/problem+json');
      expect(none.body['code']).toBe('PUSH_UNAUTHENTICATED');
      const forged = { ...identity('alice'), 'x-lattice-user': 'bob' };
      const bad = await call(push, 'POST', '/push/messages', forged, {
        title: 'x',
        body: '',
        target: { users: ['bob'] },
      });
      expect(bad.status).toBe(401);
      expect(bad.body['reason']).toBe('signature');
    });

    it('refuses a WebSocket whose identity was signed for another user (A cannot subscribe as B)', async () => {
      const forged = { ...identity('alice'), 'x-lattice-user': 'bob' };
      await expect(LiveClient.connect(push, forged)).rejects.toThrow('HTTP 401');
      await expect(LiveClient.connect(push, {})).rejects.toThrow('HTTP 401');
    });
  });

  describe('validation', () => {
    it('lists every problem as problem+json', async () => {
      const res = await call(push, 'POST', '/push/messages', admin(), { body: 3, ttlSeconds: -1, target: {} });
      expect(res.status).toBe(400);
      expect(res.type).toContain('application/problem+json');
      expect(res.body['code']).toBe('PUSH_INVALID_MESSAGE');
      const problems = res.body['problems'] as string[];
      expect(problems.some((p) => p.startsWith('title:'))).toBe(true);
      expect(problems.some((p) => p.startsWith('body:'))).toBe(true);
      expect(problems.some((p) => p.startsWith('ttlSeconds:'))).toBe(true);
      expect(problems.some((p) => p.startsWith('target:'))).toBe(true);
    });

    it('lets plain users address only themselves and their homes, and only admins broadcast', async () => {
      const alice = identity('alice', { homes: ['h-a'] });
      expect((await send(push, { target: { users: ['alice'] } }, alice)).status).toBe(202);
      expect((await send(push, { target: { homes: ['h-a'] } }, alice)).status).toBe(202);
      expect((await send(push, { target: { users: ['bob'] } }, alice)).status).toBe(403);
      expect((await send(push, { target: { homes: ['h-b'] } }, alice)).status).toBe(403);
      const broadcast = await send(push, { target: { broadcast: true } }, alice);
      expect(broadcast.status).toBe(403);
      expect(broadcast.body['code']).toBe('PUSH_FORBIDDEN_TARGET');
    });
  });

  describe('live channel', () => {
    it('delivers to every device of the user and never to another user', async () => {
      const phone = await connect(identity('u-multi'), { device: 'phone' });
      const tablet = await connect(identity('u-multi'), { device: 'tablet' });
      const other = await connect(identity('u-other'), { device: 'phone' });
      await Promise.all([phone, tablet, other].map((c) => c.until((f) => f.some((x) => x.type === 'welcome'))));
      const res = await send(push, { target: { users: ['u-multi'] }, data: { k: 1 } });
      expect(res.status).toBe(202);
      expect(res.body['recipients']).toBe(1);
      await phone.untilMessages(1);
      await tablet.untilMessages(1);
      expect(phone.messages[0]).toMatchObject({ id: res.body['id'], offset: 1, data: { k: 1 } });
      expect(tablet.messages[0]?.['id']).toBe(res.body['id']);
      await send(push, { target: { users: ['u-other'] } });
      await other.untilMessages(1);
      await settle();
      expect(phone.messages).toHaveLength(1);
      expect(other.messages).toHaveLength(1);
      expect(other.messages[0]?.['id']).not.toBe(res.body['id']);
    });

    it('replays exactly the missed messages after a reconnect with offset and epoch', async () => {
      const first = await connect(identity('u-resume'), { device: 'd' });
      for (let i = 0; i < 3; i++) await send(push, { target: { users: ['u-resume'] } });
      await first.untilMessages(3);
      const epoch = first.messages[2]?.['epoch'] as string;
      first.ack(3);
      await first.close();
      const missed = [];
      for (let i = 0; i < 4; i++) missed.push((await send(push, { target: { users: ['u-resume'] } })).body['id']);
      const again = await connect(identity('u-resume'), { device: 'd', offset: 3, epoch });
      await again.untilMessages(4);
      await settle();
      expect(again.frames[0]).toMatchObject({ type: 'welcome', epoch, offset: 7 });
      expect(again.messages.map((m) => m['offset'])).toEqual([4, 5, 6, 7]);
      expect(again.messages.map((m) => m['id'])).toEqual(missed);
    });

    it('reports a changed epoch instead of replaying', async () => {
      await send(push, { target: { users: ['u-epoch'] } });
      const client = await connect(identity('u-epoch'), { device: 'd', offset: 1, epoch: 'an-old-epoch' });
      await client.until((f) => f.length > 0);
      expect(client.frames[0]).toMatchObject({ type: 'reset', offset: 1 });
      expect(client.frames[0]?.['epoch']).not.toBe('an-old-epoch');
      await send(push, { target: { users: ['u-epoch'] } });
      await client.untilMessages(1);
      expect(client.messages[0]?.['offset']).toBe(2);
    });

    it('collapses an undelivered older message with the same key', async () => {
      const older = await send(push, { target: { users: ['u-collapse'] }, collapseKey: 'score' });
      const newer = await send(push, { target: { users: ['u-collapse'] }, collapseKey: 'score' });
      const client = await connect(identity('u-collapse'));
      await client.untilMessages(1);
      await settle();
      expect(client.messages.map((m) => m['id'])).toEqual([newer.body['id']]);
      const status = await call(push, 'GET', `/push/messages/${String(older.body['id'])}`, admin());
      expect((status.body['devices'] as { state: string }[])[0]?.state).toBe('replaced');
    });

    it('keeps one message for a duplicate id', async () => {
      const one = await send(push, { id: 'dup-1', target: { users: ['u-dup'] } });
      const two = await send(push, { id: 'dup-1', title: 'changed', target: { users: ['u-dup'] } });
      expect(one.body).toMatchObject({ id: 'dup-1', duplicate: false, recipients: 1 });
      expect(two.status).toBe(202);
      expect(two.body).toMatchObject({ id: 'dup-1', duplicate: true });
      const client = await connect(identity('u-dup'));
      await client.untilMessages(1);
      await settle();
      expect(client.messages).toHaveLength(1);
      expect(client.messages[0]?.['title']).not.toBe('changed');
    });

    it('delivers TTL 0 to connected devices only, and drops expired messages', async () => {
      const online = await connect(identity('u-ttl-on'));
      await online.until((f) => f.length > 0);
      await send(push, { ttlSeconds: 0, target: { users: ['u-ttl-on', 'u-ttl-off'] } });
      await online.untilMessages(1);
      await send(push, { ttlSeconds: 1, target: { users: ['u-ttl-off'] } });
      const keeps = await send(push, { ttlSeconds: 60, target: { users: ['u-ttl-off'] } });
      await settle(1100);
      const offline = await connect(identity('u-ttl-off'));
      await offline.untilMessages(1);
      await settle();
      expect(offline.messages.map((m) => m['id'])).toEqual([keeps.body['id']]);
    });

    it('reports delivered, then acknowledged, with a receipt on the bus; pending past the TTL reads expired', async () => {
      const client = await connect(identity('u-status'), { device: 'phone' });
      await client.until((f) => f.length > 0);
      const sent = await send(push, { target: { users: ['u-status', 'u-nobody'] }, ttlSeconds: 1 });
      const id = String(sent.body['id']);
      await client.untilMessages(1);
      const states = async () =>
        (await call(push, 'GET', `/push/messages/${id}`, admin())).body['devices'] as {
          userId: string;
          deviceId: string;
          state: string;
        }[];
      await eventually(async () => (await states()).some((d) => d.deviceId === 'phone' && d.state === 'delivered'));
      client.ack(client.messages[0]?.['offset'] as number);
      await eventually(async () => (await states()).some((d) => d.deviceId === 'phone' && d.state === 'acknowledged'));
      await eventually(() => receipts.some((r) => r.data['messageId'] === id && r.data['deviceId'] === 'phone'));
      await settle(1000);
      expect((await states()).find((d) => d.userId === 'u-nobody')?.state).toBe('expired');
      // a recipient sees its own devices only; a stranger sees nothing
      const own = await call(push, 'GET', `/push/messages/${id}`, identity('u-status'));
      expect((own.body['devices'] as unknown[]).length).toBe(1);
      expect((await call(push, 'GET', `/push/messages/${id}`, identity('stranger'))).status).toBe(404);
    });
  });

  describe('batch', () => {
    const message = (user: string, extra: Record<string, unknown> = {}) => ({
      title: 't',
      body: 'b',
      target: { users: [user] },
      ...extra,
    });

    it('stores every message of a batch in order and answers each one', async () => {
      const client = await connect(identity('u-batch'));
      await client.until((f) => f.some((x) => x.type === 'welcome'));
      const res = await call(push, 'POST', '/push/messages/batch', admin(), {
        messages: [
          message('u-batch', { id: 'batch-1', data: { n: 1 } }),
          message('u-batch', { data: { n: 2 } }),
          message('u-batch', { id: 'batch-1' }),
          message('u-nobody-here', { data: { n: 3 } }),
        ],
      });
      expect(res.status).toBe(202);
      const answers = res.body['messages'] as Record<string, unknown>[];
      expect(answers).toHaveLength(4);
      expect(answers[0]).toMatchObject({ id: 'batch-1', duplicate: false, recipients: 1 });
      expect(answers[2]).toMatchObject({ id: 'batch-1', duplicate: true });
      await client.untilMessages(2);
      await settle();
      expect(client.messages.map((m) => [m['offset'], (m['data'] as { n: number }).n])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      const status = await call(push, 'GET', `/push/messages/${String(answers[3]?.['id'])}`, admin());
      expect(status.status).toBe(200);
    });

    it('refuses the whole batch when one message is invalid, naming it by index', async () => {
      const res = await call(push, 'POST', '/push/messages/batch', admin(), {
        messages: [message('u-batch-bad', { id: 'batch-bad-0' }), { body: 'no title', target: { users: ['x'] } }],
      });
      expect(res.status).toBe(400);
      expect(res.body['code']).toBe('PUSH_INVALID_MESSAGE');
      expect(res.body['problems']).toEqual(expect.arrayContaining([expect.stringMatching(/^messages\.1\.title:/)]));
      expect((await call(push, 'GET', '/push/messages/batch-bad-0', admin())).status).toBe(404);
      for (const body of [{}, { messages: [] }, { messages: message('x') }, { messages: [message('x')], extra: 1 }]) {
        const refused = await call(push, 'POST', '/push/messages/batch', admin(), body);
        expect(refused.status).toBe(400);
        expect(refused.type).toContain('application/problem+json');
      }
    });

    it("refuses the whole batch when one target is not the caller's", async () => {
      const alice = identity('alice', { homes: ['h-a'] });
      const res = await call(push, 'POST', '/push/messages/batch', alice, {
        messages: [message('alice', { id: 'batch-own' }), message('bob')],
      });
      expect(res.status).toBe(403);
      expect((await call(push, 'GET', '/push/messages/batch-own', admin())).status).toBe(404);
    });
  });

  describe('targets', () => {
    it('resolves homes, tags (OR and AND), aliases and broadcast', async () => {
      expect((await call(push, 'PUT', '/push/homes/h-t/members', admin(), { users: ['t1', 't2'] })).status).toBe(204);
      expect((await call(push, 'PUT', '/push/homes/h-t/members', identity('t1'), { users: ['t1'] })).status).toBe(403);
      await call(push, 'PUT', '/push/users/t3/tags', admin(), { tags: ['beta', 'cn'] });
      await call(push, 'PUT', '/push/users/t4/tags', admin(), { tags: ['beta'] });
      await call(push, 'PUT', '/push/users/t5/alias', admin(), { alias: 'five' });
      const c = Object.fromEntries(
        await Promise.all(['t1', 't2', 't3', 't4', 't5'].map(async (u) => [u, await connect(identity(u))] as const)),
      );
      await Promise.all(Object.values(c).map((x) => x.until((f) => f.length > 0)));
      const count = async (target: Record<string, unknown>) => (await send(push, { target })).body['recipients'];
      expect(await count({ homes: ['h-t'] })).toBe(2);
      expect(await count({ tags: ['beta', 'cn'] })).toBe(2);
      expect(await count({ tagsAnd: ['beta', 'cn'] })).toBe(1);
      expect(await count({ aliases: ['five'] })).toBe(1);
      expect(await count({ homes: ['h-t'], aliases: ['five'], users: ['t1'] })).toBe(3);
      await c['t3']!.untilMessages(2);
      await c['t5']!.untilMessages(2);
      const all = await send(push, { target: { broadcast: true } });
      expect(all.body['recipients']).toBeGreaterThanOrEqual(5);
      for (const client of Object.values(c))
        await client.until(() => client.messages.some((m) => m['id'] === all.body['id']));
    });
  });

  it('registers offline devices for oneself only; webhooks only for partners', async () => {
    const me = identity('dev-owner');
    expect(
      (await call(push, 'PUT', '/push/users/dev-owner/devices/p1', me, { provider: 'apns', token: 'abc' })).status,
    ).toBe(204);
    expect(
      (await call(push, 'PUT', '/push/users/someone/devices/p1', me, { provider: 'apns', token: 'abc' })).status,
    ).toBe(403);
    expect(
      (await call(push, 'PUT', '/push/users/dev-owner/devices/w', me, { provider: 'webhook', token: 'http://x' }))
        .status,
    ).toBe(403);
    const bad = await call(push, 'PUT', '/push/users/dev-owner/devices/p2', me, { provider: 'carrier-pigeon' });
    expect(bad.status).toBe(400);
  });
});

describe('push: rate limits', () => {
  let push: TestPush;
  afterAll(async () => {
    await push?.stop();
  });

  it('answers 429 problem+json beyond the per-sender limit', async () => {
    push = await startPush({ push: { limits: { perSenderQps: 2 } } });
    const alice = identity('alice');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(push, { target: { users: ['alice'] } }, alice));
    expect(answers.slice(0, 2).map((a) => a.status)).toEqual([202, 202]);
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.type).toContain('application/problem+json');
    expect(limited?.body['code']).toBe('RESILIENCE_RATE_LIMITED');
    // another sender has its own budget
    expect((await send(push, { target: { users: ['bob'] } }, identity('bob'))).status).toBe(202);
  });

  it('counts every message of a batch against the limit', async () => {
    const carol = identity('carol');
    const target = { users: ['carol'] };
    const batch = (n: number) => ({ messages: Array.from({ length: n }, () => ({ title: 't', body: '', target })) });
    expect((await call(push, 'POST', '/push/messages/batch', carol, batch(2))).status).toBe(202);
    const limited = await call(push, 'POST', '/push/messages/batch', carol, batch(2));
    expect(limited.status).toBe(429);
    expect(limited.body['code']).toBe('RESILIENCE_RATE_LIMITED');
  });
});

describe('push: the heartbeat', () => {
  let push: TestPush;
  afterAll(async () => {
    await push?.stop();
  });

  it('pings every session and closes the ones that stop answering, the others stay', async () => {
    push = await startPush({ push: { ws: { heartbeatIntervalMs: 400 }, fallback: { enabled: false } } });
    // Enough sessions to land in every slice of the heartbeat.
    const answering = await Promise.all(
      Array.from({ length: 25 }, (_, i) => LiveClient.connect(push, identity(`u-hb-${i}`))),
    );
    const mute = await LiveClient.connect(push, identity('u-mute'), {}, false);
    await mute.until(() => mute.closeCode !== undefined, 10_000);
    expect(mute.pings).toBeGreaterThanOrEqual(1);
    for (const client of answering) await client.until(() => client.pings >= 2, 10_000);
    expect(answering.map((c) => c.closeCode)).toEqual(answering.map(() => undefined));
    await Promise.all(answering.map((c) => c.close()));
  });
});

describe('push: a device that does not read', () => {
  let push: TestPush;
  afterAll(async () => {
    await push?.stop();
  });

  it('is cut with 1013; what had not left for it stays pending, and it resumes with nothing lost', async () => {
    push = await startPush({
      push: {
        ws: { maxBufferedBytes: 65_536 },
        store: { maxStreamLength: 10_000 },
        limits: { perSenderQps: 100_000, perAppQps: 100_000 },
        fallback: { enabled: false },
      },
    });
    const slow = await LiveClient.connect(push, identity('u-slow'));
    await slow.until((f) => f.length > 0);
    slow.pause();
    const ids: string[] = [];
    const body = 'x'.repeat(4000);
    // Enough to fill the kernel's buffers for a socket nobody reads, and then push's.
    for (let batch = 0; batch < 8; batch++) {
      const messages = Array.from({ length: 500 }, (_, i) => ({
        id: `slow-${batch}-${i}`,
        title: 't',
        body,
        target: { users: ['u-slow'] },
      }));
      expect((await call(push, 'POST', '/push/messages/batch', admin(), { messages })).status).toBe(202);
      ids.push(...messages.map((m) => m.id));
    }
    slow.resume();
    await slow.until(() => slow.closeCode !== undefined, 30_000);
    expect(slow.closeCode).toBe(1013);
    const got = slow.messages;
    expect(got.length).toBeLessThan(ids.length);
    expect(got.map((m) => m['id'])).toEqual(ids.slice(0, got.length));
    const stateOf = async (id: string) =>
      ((await call(push, 'GET', `/push/messages/${id}`, admin())).body['devices'] as { state: string }[])[0]?.state;
    // Deliveries are recorded in windows of a few ms: the last one may still be on its way.
    await eventually(async () => (await stateOf(ids[got.length - 1]!)) === 'delivered');
    expect(await stateOf(ids[got.length]!)).toBe('pending');
    expect(await stateOf(ids.at(-1)!)).toBe('pending');
    // It resumes from the last offset it saw (again after each cut, as a device would).
    const received = got.map((m) => m['id']);
    let last = got.at(-1)!;
    for (let attempt = 0; attempt < 50 && received.length < ids.length; attempt++) {
      const again = await LiveClient.connect(push, identity('u-slow'), {
        offset: last['offset'] as number,
        epoch: last['epoch'] as string,
      });
      await again.until(() => again.closeCode !== undefined || received.length + again.messages.length >= ids.length);
      received.push(...again.messages.map((m) => m['id']));
      last = again.messages.at(-1) ?? last;
      await again.close();
    }
    expect(received).toEqual(ids);
  }, 60_000);
});
