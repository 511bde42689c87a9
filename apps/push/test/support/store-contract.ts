import { describe, expect, it, beforeEach, afterEach } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import type { DirectoryStore, MessageStore, PushMessage } from '@lattice-platform/push';

/** Makes fresh stores (a unique key prefix per call on Redis). */
export type StoreFactory = (clock: ManualClock) => { messages: MessageStore; directory: DirectoryStore };

let seq = 0;
export function message(clock: ManualClock, overrides: Partial<PushMessage> = {}): PushMessage {
  const ttlSeconds = overrides.ttlSeconds ?? 3600;
  const acceptedAtMs = clock.now();
  return {
    id: `m-${++seq}`,
    title: 't',
    body: 'b',
    data: {},
    priority: 'normal',
    sender: 'test',
    ...overrides,
    ttlSeconds,
    acceptedAtMs,
    expiresAtMs: acceptedAtMs + ttlSeconds * 1000,
  };
}

/** One contract, run against every adapter. */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} stores (contract)`, () => {
    let clock: ManualClock;
    let messages: MessageStore;
    let directory: DirectoryStore;

    beforeEach(() => {
      clock = new ManualClock(1_000_000);
      ({ messages, directory } = factory(clock));
    });
    afterEach(async () => {
      await messages.close();
      await directory.close();
    });

    it('appends with increasing offsets and one epoch per user, and reads after an offset', async () => {
      const a = await messages.accept(message(clock), [{ userId: 'u1', deviceIds: ['d1'] }]);
      const b = await messages.accept(message(clock), [
        { userId: 'u1', deviceIds: [] },
        { userId: 'u2', deviceIds: [] },
      ]);
      expect(a.created).toBe(true);
      expect(a.recipients[0]?.offset).toBe(1);
      expect(b.recipients.map((r) => [r.userId, r.offset])).toEqual([
        ['u1', 2],
        ['u2', 1],
      ]);
      expect(b.recipients[0]?.epoch).toBe(a.recipients[0]?.epoch);
      expect(b.recipients[1]?.epoch).not.toBe(a.recipients[0]?.epoch);
      const read = await messages.read('u1', 1);
      expect(read.epoch).toBe(a.recipients[0]?.epoch);
      expect(read.headOffset).toBe(2);
      expect(read.entries.map((e) => [e.offset, e.message.id])).toEqual([[2, b.message.id]]);
      expect((await messages.read('u1', 0)).entries).toHaveLength(2);
    });

    it('keeps one message per id', async () => {
      const m = message(clock);
      await messages.accept(m, [{ userId: 'u1', deviceIds: [] }]);
      const again = await messages.accept({ ...m, title: 'other' }, [{ userId: 'u1', deviceIds: [] }]);
      expect(again.created).toBe(false);
      expect(again.message.title).toBe('t');
      expect((await messages.read('u1', 0)).entries).toHaveLength(1);
    });

    it('stores messages accepted together in call order, a repeated id once', async () => {
      const [a, b, none] = [message(clock), message(clock), message(clock)];
      const results = await Promise.all([
        messages.accept(a, [{ userId: 'u1', deviceIds: ['d1'] }]),
        messages.accept({ ...a, title: 'again' }, [{ userId: 'u1', deviceIds: ['d1'] }]),
        messages.accept(b, [
          { userId: 'u2', deviceIds: [] },
          { userId: 'u1', deviceIds: [] },
        ]),
        messages.accept(none, []),
      ]);
      expect(results.map((r) => [r.created, r.message.title])).toEqual([
        [true, 't'],
        [false, 't'],
        [true, 't'],
        [true, 't'],
      ]);
      expect(results[2]?.recipients.map((r) => [r.userId, r.offset])).toEqual([
        ['u2', 1],
        ['u1', 2],
      ]);
      expect((await messages.read('u1', 0)).entries.map((e) => e.message.id)).toEqual([a.id, b.id]);
      expect(await messages.get(none.id)).toEqual(none);
      expect((await messages.accept(none, [])).created).toBe(false);
    });

    it('tells of every recipient once it is stored, before the accept resolves, for a large audience too', async () => {
      await messages.accept(message(clock), [{ userId: 'u7', deviceIds: [] }]);
      const users = Array.from({ length: 2_500 }, (_, i) => `u${i}`);
      const big = message(clock);
      const told: string[] = [];
      let resolved = false;
      const accepted = await messages
        .accept(
          big,
          users.map((userId, i) => (i % 2 === 0 ? { userId, deviceIds: ['d'] } : { userId })),
          undefined,
          (stored, record) => {
            expect([resolved, record.id]).toEqual([false, big.id]);
            for (const r of stored) told.push(`${r.userId}@${r.offset}`);
          },
        )
        .finally(() => (resolved = true));
      expect(accepted.created).toBe(true);
      const expected = users.map((u) => `${u}@${u === 'u7' ? 2 : 1}`);
      expect(told).toEqual(expected);
      expect(accepted.recipients.map((r) => `${r.userId}@${r.offset}`)).toEqual(expected);
      expect((await messages.read('u2499', 0)).entries.map((e) => e.message.id)).toEqual([big.id]);
      expect((await messages.states(big.id)).filter((s) => s.state === 'pending')).toHaveLength(2_500);
      expect((await messages.states(big.id)).filter((s) => s.deviceId === '').map((s) => s.userId)).toEqual(
        expect.arrayContaining(['u1', 'u2499']),
      );
      const again = await messages.accept(
        { ...big, title: 'again' },
        [{ userId: 'u1', deviceIds: [] }],
        undefined,
        () => told.push('again'),
      );
      expect([again.created, again.message.title, again.recipients.length, told.length]).toEqual([
        false,
        't',
        0,
        2_500,
      ]);
    });

    it("reads the directory's devices of a recipient given without device ids as it stores it", async () => {
      await directory.putDevice('u1', { deviceId: 'phone', provider: 'ws' });
      await directory.putDevice('u1', { deviceId: 'tablet', provider: 'ws' });
      const m = message(clock);
      await messages.accept(m, [{ userId: 'u1' }, { userId: 'u2' }, { userId: 'u3', deviceIds: ['own'] }]);
      await directory.putDevice('u2', { deviceId: 'later', provider: 'ws' });
      expect((await messages.states(m.id)).map((s) => `${s.userId}/${s.deviceId}/${s.state}`).sort()).toEqual([
        'u1/phone/pending',
        'u1/tablet/pending',
        'u2//pending',
        'u3/own/pending',
      ]);
    });

    it('hides expired and TTL-0 messages from reads', async () => {
      await messages.accept(message(clock, { ttlSeconds: 10 }), [{ userId: 'u1', deviceIds: [] }]);
      await messages.accept(message(clock, { ttlSeconds: 0 }), [{ userId: 'u1', deviceIds: [] }]);
      await messages.accept(message(clock, { ttlSeconds: 100 }), [{ userId: 'u1', deviceIds: [] }]);
      expect((await messages.read('u1', 0)).entries.map((e) => e.offset)).toEqual([1, 3]);
      clock.advance(10_000);
      expect((await messages.read('u1', 0)).entries.map((e) => e.offset)).toEqual([3]);
    });

    it('replaces an undelivered message of the same collapse key, but not a delivered one', async () => {
      const first = message(clock, { collapseKey: 'score' });
      await messages.accept(first, [
        { userId: 'u1', deviceIds: ['d1'] },
        { userId: 'u2', deviceIds: ['d2'] },
      ]);
      await messages.setState(first.id, 'u2', 'd2', 'delivered', clock.now());
      const second = message(clock, { collapseKey: 'score' });
      await messages.accept(second, [
        { userId: 'u1', deviceIds: ['d1'] },
        { userId: 'u2', deviceIds: ['d2'] },
      ]);
      expect((await messages.read('u1', 0)).entries.map((e) => e.message.id)).toEqual([second.id]);
      expect((await messages.read('u2', 0)).entries.map((e) => e.message.id)).toEqual([first.id, second.id]);
      const states = await messages.states(first.id);
      expect(states.find((s) => s.userId === 'u1')?.state).toBe('replaced');
      expect(states.find((s) => s.userId === 'u2')?.state).toBe('delivered');
    });

    it('moves device states only forward and settles the device-less placeholder', async () => {
      const m = message(clock);
      await messages.accept(m, [{ userId: 'u1', deviceIds: [] }]);
      expect(await messages.states(m.id)).toEqual([
        { userId: 'u1', deviceId: '', state: 'pending', atMs: clock.now() },
      ]);
      expect(await messages.deliveredToUser(m.id, 'u1')).toBe(false);
      await messages.setState(m.id, 'u1', 'phone', 'acknowledged', 5);
      await messages.setState(m.id, 'u1', 'phone', 'delivered', 6);
      expect(await messages.states(m.id)).toEqual([
        { userId: 'u1', deviceId: 'phone', state: 'acknowledged', atMs: 5 },
      ]);
      expect(await messages.deliveredToUser(m.id, 'u1')).toBe(true);
      expect(await messages.get(m.id)).toEqual(m);
      expect(await messages.get('nope')).toBeUndefined();
    });

    it('applies many state updates in order, each only forward', async () => {
      const [a, b] = [message(clock), message(clock)];
      await messages.accept(a, [
        { userId: 'u1', deviceIds: [] },
        { userId: 'u2', deviceIds: ['d2'] },
      ]);
      await messages.accept(b, [{ userId: 'u1', deviceIds: ['d1'] }]);
      await messages.setStates([
        { messageId: a.id, userId: 'u1', deviceId: 'phone', state: 'delivered', atMs: 5 },
        { messageId: a.id, userId: 'u2', deviceId: 'd2', state: 'acknowledged', atMs: 6 },
        { messageId: a.id, userId: 'u2', deviceId: 'd2', state: 'delivered', atMs: 7 },
        { messageId: 'unknown', userId: 'u1', deviceId: 'd1', state: 'delivered', atMs: 8 },
        { messageId: b.id, userId: 'u1', deviceId: 'd1', state: 'failed', atMs: 9 },
      ]);
      const byDevice = (states: readonly { deviceId: string }[]) =>
        [...states].sort((x, y) => x.deviceId.localeCompare(y.deviceId));
      expect(byDevice(await messages.states(a.id))).toEqual([
        { userId: 'u2', deviceId: 'd2', state: 'acknowledged', atMs: 6 },
        { userId: 'u1', deviceId: 'phone', state: 'delivered', atMs: 5 },
      ]);
      expect(await messages.states(b.id)).toEqual([{ userId: 'u1', deviceId: 'd1', state: 'failed', atMs: 9 }]);
      expect(await messages.deliveredToUser(a.id, 'u1')).toBe(true);
      expect(await messages.deliveredToUser(b.id, 'u1')).toBe(false);
      expect(await messages.get('unknown')).toBeUndefined();
      await messages.setStates([]);
      // A broadcast's worth (the Redis store writes it in several steps).
      const many = message(clock);
      const users = Array.from({ length: 450 }, (_, i) => `b${i}`);
      await messages.accept(
        many,
        users.map((userId) => ({ userId, deviceIds: ['d'] })),
      );
      await messages.setStates(
        users.map((userId) => ({ messageId: many.id, userId, deviceId: 'd', state: 'delivered' as const, atMs: 10 })),
      );
      expect((await messages.states(many.id)).filter((s) => s.state === 'delivered')).toHaveLength(450);
    });

    it('leases, reschedules and completes fallbacks', async () => {
      const m = message(clock);
      await messages.accept(m, [{ userId: 'u1', deviceIds: [] }], clock.now() + 1000);
      expect(await messages.claimFallbacks(clock.now(), 10, 5000)).toEqual([]);
      clock.advance(1000);
      const [task] = await messages.claimFallbacks(clock.now(), 10, 5000);
      expect(task).toEqual({ messageId: m.id, userId: 'u1', attempt: 1 });
      expect(await messages.claimFallbacks(clock.now(), 10, 5000)).toEqual([]);
      await messages.rescheduleFallback(task!, clock.now() + 100);
      clock.advance(100);
      const [again] = await messages.claimFallbacks(clock.now(), 10, 5000);
      expect(again).toEqual({ messageId: m.id, userId: 'u1', attempt: 2 });
      await messages.completeFallback(again!);
      clock.advance(10_000);
      expect(await messages.claimFallbacks(clock.now(), 10, 5000)).toEqual([]);
    });

    it('drops the fallback of a user once one of its devices is reached', async () => {
      const m = message(clock);
      const recipients = [
        { userId: 'u1', deviceIds: ['d1', 'd2'] },
        { userId: 'u2', deviceIds: ['d1'] },
      ];
      await messages.accept(m, recipients, clock.now() + 1000);
      await messages.setStates([
        { messageId: m.id, userId: 'u1', deviceId: 'd2', state: 'delivered', atMs: clock.now() },
        { messageId: m.id, userId: 'u1', deviceId: 'd1', state: 'acknowledged', atMs: clock.now() },
      ]);
      clock.advance(1000);
      expect(await messages.claimFallbacks(clock.now(), 10, 5000)).toEqual([
        { messageId: m.id, userId: 'u2', attempt: 1 },
      ]);
    });

    it('keeps devices, home members, tags (OR/AND), aliases and known users', async () => {
      await directory.putDevice('u1', { deviceId: 'p1', provider: 'apns', token: 'tok' });
      await directory.putDevice('u1', { deviceId: 'w1', provider: 'ws' });
      expect((await directory.devices('u1')).map((d) => d.deviceId).sort()).toEqual(['p1', 'w1']);
      expect(await directory.devices('nobody')).toEqual([]);
      await directory.removeDevice('u1', 'p1');
      expect(await directory.devices('u1')).toEqual([{ deviceId: 'w1', provider: 'ws' }]);
      await directory.setHomeMembers('h1', ['u2', 'u3']);
      await directory.setHomeMembers('h1', ['u3', 'u4']);
      expect(await directory.homeMembers('h1')).toEqual(['u3', 'u4']);
      expect(await directory.homeMembers('h2')).toEqual([]);
      await directory.setTags('u1', ['beta', 'cn']);
      await directory.setTags('u2', ['beta']);
      await directory.setTags('u3', ['old']);
      await directory.setTags('u3', ['cn']);
      expect(await directory.usersWithTags(['beta', 'cn'], 'or')).toEqual(['u1', 'u2', 'u3']);
      expect(await directory.usersWithTags(['beta', 'cn'], 'and')).toEqual(['u1']);
      expect(await directory.usersWithTags(['old'], 'or')).toEqual([]);
      await directory.setAlias('u5', 'fifth');
      expect(await directory.usersWithAliases(['fifth', 'none'])).toEqual(['u5']);
      expect(await directory.knownUsers()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    });
  });
}
