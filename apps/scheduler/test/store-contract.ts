import { describe, expect, it } from '@jest/globals';
import type { Rule, RuleRun } from '@lattice-platform/scheduler';
import type { DeviceStateStore, RuleStore, RunStore, TimerStore } from '@lattice-platform/scheduler/testing';

/** Makes fresh, empty stores (a new key prefix on Redis). */
export interface StoreFactory {
  readonly name: string;
  timers(): TimerStore;
  rules(): RuleStore;
  runs(max: number): RunStore;
  states(): DeviceStateStore;
}

function rule(id: string, homeId: string, createdMs = 0): Rule {
  return {
    id,
    homeId,
    version: 1,
    createdMs,
    updatedMs: createdMs,
    name: id,
    enabled: true,
    mode: 'single',
    max: 10,
    misfirePolicy: 'fire_once_now',
    catchUpWindowMs: 3_600_000,
    triggers: [{ type: 'at', atMs: 1 }],
    conditions: [],
    actions: [{ type: 'delay', ms: 1 }],
  };
}

/** The one contract every scheduler store adapter passes. */
export function storeContract(factory: StoreFactory): void {
  describe(`${factory.name} timer store`, () => {
    it('claims only due timers, earliest first, once', async () => {
      const timers = factory.timers();
      await timers.schedule('a#0', 300);
      await timers.schedule('b#0', 100);
      await timers.schedule('c#0', 9_000);
      const claims = await timers.claimDue(500, 10, 1000);
      expect(claims.map((c) => c.firingId)).toEqual(['b#0@100', 'a#0@300']);
      expect(claims.every((c) => !c.takeover)).toBe(true);
      expect(await timers.claimDue(500, 10, 1000)).toEqual([]);
      expect(await timers.size()).toBe(1);
    });

    it('advances once per firing and fences a stale holder after takeover', async () => {
      const timers = factory.timers();
      await timers.schedule('r#0', 100);
      const [first] = await timers.claimDue(100, 10, 1000);
      expect(await timers.advance(first!.firingId, first!.token, 200)).toBe('ok');
      expect(await timers.dueOf('r#0')).toBe(200);
      // The lease lapses (holder paused); another replica takes the firing over.
      const [second] = await timers.claimDue(1200, 1, 1000);
      expect(second).toMatchObject({ firingId: 'r#0@100', takeover: true });
      expect(second!.token).toBeGreaterThan(first!.token);
      expect(await timers.advance(second!.firingId, second!.token, 200)).toBe('already');
      expect(await timers.renew(first!.firingId, first!.token, 1000, 1200)).toBe(false);
      expect(await timers.advance(first!.firingId, first!.token, 999)).toBe('fenced');
      expect(await timers.finish(first!.firingId, first!.token)).toBe(false);
      expect(await timers.renew(second!.firingId, second!.token, 1000, 1200)).toBe(true);
      expect(await timers.finish(second!.firingId, second!.token)).toBe(true);
      expect(await timers.claimDue(5000, 10, 1000)).toEqual([
        expect.objectContaining({ firingId: 'r#0@200', takeover: false }),
      ]);
    });

    it('renewing keeps a lease from being taken over', async () => {
      const timers = factory.timers();
      await timers.schedule('r#0', 0);
      const [claim] = await timers.claimDue(0, 1, 1000);
      expect(await timers.renew(claim!.firingId, claim!.token, 1000, 900)).toBe(true);
      expect(await timers.claimDue(1500, 10, 1000)).toEqual([]);
      expect(await timers.nextWakeMs()).toBe(1900);
    });

    it('claims ahead of due times but takes a lease over only once it expired; a batch says when to look next', async () => {
      const timers = factory.timers();
      await timers.schedule('a#0', 100);
      await timers.schedule('b#0', 160);
      const first = await timers.claimBatch(80, 10, 1000, 50);
      expect(first.claims.map((c) => c.firingId)).toEqual(['a#0@100']);
      expect(first.nextWakeMs).toBe(160);
      // a's lease runs until 1080; looking ahead from 1060 claims b but leaves a's lease alone.
      const second = await timers.claimBatch(1060, 10, 1000, 50);
      expect(second.claims.map((c) => [c.firingId, c.takeover])).toEqual([['b#0@160', false]]);
      expect(second.nextWakeMs).toBe(1080);
      expect(await timers.claimDue(1079, 10, 1000, 50)).toEqual([]);
      expect(await timers.claimDue(1080, 10, 1000)).toEqual([
        expect.objectContaining({ firingId: 'a#0@100', takeover: true }),
      ]);
      expect((await timers.claimBatch(1080, 10, 1000)).nextWakeMs).toBe(2060);
    });

    it('scheduleOnce ignores a repeat within the dedupe window', async () => {
      const timers = factory.timers();
      expect(await timers.scheduleOnce('r#0#e:1', 10, 60_000, 10)).toBe(true);
      expect(await timers.scheduleOnce('r#0#e:1', 10, 60_000, 20)).toBe(false);
      expect((await timers.claimDue(10, 10, 1000)).map((c) => c.key)).toEqual(['r#0#e:1']);
    });

    it('cancel removes a pending timer; claim limits are honoured', async () => {
      const timers = factory.timers();
      for (let i = 0; i < 5; i++) await timers.schedule(`r${i}#0`, i);
      await timers.cancel('r0#0');
      expect(await timers.dueOf('r0#0')).toBeNull();
      expect(await timers.claimDue(100, 3, 1000)).toHaveLength(3);
      expect(await timers.claimDue(100, 3, 1000)).toHaveLength(1);
    });
  });

  describe(`${factory.name} rule, run and state stores`, () => {
    it('stores rules by home and moves them between homes', async () => {
      const rules = factory.rules();
      await rules.put(rule('r1', 'h1', 1));
      await rules.put(rule('r2', 'h2', 2));
      await rules.put(rule('r3', 'h1', 3));
      expect((await rules.listByHomes(['h1'])).map((r) => r.id)).toEqual(['r1', 'r3']);
      await rules.put({ ...rule('r1', 'h2', 1), version: 2 });
      expect((await rules.listByHomes(['h1'])).map((r) => r.id)).toEqual(['r3']);
      expect((await rules.listByHomes(['h2', 'h1'])).map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
      expect(await rules.get('r1')).toMatchObject({ homeId: 'h2', version: 2 });
      expect(await rules.delete('r1')).toBe(true);
      expect(await rules.delete('r1')).toBe(false);
      expect(await rules.get('r1')).toBeNull();
      expect(await rules.listByHomes([])).toEqual([]);
    });

    it('keeps the newest runs, capped', async () => {
      const runs = factory.runs(3);
      for (let i = 0; i < 5; i++) {
        const run: RuleRun = {
          runId: `run-${i}`,
          ruleId: 'r1',
          ruleVersion: 1,
          firingId: `r1#0@${i}`,
          trigger: { index: 0, type: 'at' },
          scheduledMs: i,
          actualMs: i,
          status: 'completed',
          conditions: [],
          actions: [],
          finishedMs: i,
        };
        await runs.append(run);
      }
      expect((await runs.list('r1', 10)).map((r) => r.runId)).toEqual(['run-4', 'run-3', 'run-2']);
      expect(await runs.list('r1', 1)).toHaveLength(1);
      await runs.deleteRule('r1');
      expect(await runs.list('r1', 10)).toEqual([]);
    });

    it('merges device state and returns what was there before', async () => {
      const states = factory.states();
      expect(await states.merge('d1', { temperature: 20, on: true })).toEqual({});
      expect(await states.merge('d1', { temperature: 29 })).toEqual({ temperature: 20, on: true });
      expect(await states.get('d1')).toEqual({ temperature: 29, on: true });
      expect(await states.get('nope')).toEqual({});
    });
  });
}
