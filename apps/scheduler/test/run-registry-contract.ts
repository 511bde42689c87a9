import { describe, expect, it } from '@jest/globals';
import type { RunAdmissionRequest, RunRegistry } from '@lattice-platform/scheduler/testing';

/** Makes a fresh, empty registry (a new key prefix on Redis). */
export interface RunRegistryFactory {
  readonly name: string;
  registry(): RunRegistry;
}

const LEASE = 1000;
const req = (mode: RunAdmissionRequest['mode'], nowMs: number, extra: Partial<RunAdmissionRequest> = {}) => ({
  mode,
  max: 10,
  token: 1,
  order: nowMs,
  nowMs,
  leaseMs: LEASE,
  ...extra,
});

/** The one contract every run registry adapter passes (replicas share it so modes hold cluster-wide). */
export function runRegistryContract(factory: RunRegistryFactory): void {
  describe(`${factory.name} run registry`, () => {
    it('single: a second run is refused while one runs, admitted after it is released', async () => {
      const r = factory.registry();
      expect(await r.admit('rule', 'a', req('single', 0))).toEqual({ decision: 'run', stopped: [] });
      expect(await r.admit('rule', 'b', req('single', 10, { token: 2 }))).toEqual({ decision: 'busy', stopped: [] });
      expect(await r.admit('other', 'c', req('single', 10, { token: 3 }))).toMatchObject({ decision: 'run' });
      await r.release('rule', 'a', 1);
      expect(await r.admit('rule', 'b', req('single', 20, { token: 2 }))).toMatchObject({ decision: 'run' });
      expect(await r.entries('rule', 20)).toEqual({ running: ['b'], queued: [] });
    });

    it('admissions and releases sent at once take effect in the order they were sent', async () => {
      const r = factory.registry();
      const answers = await Promise.all([
        r.admit('rule', 'a', req('single', 0)),
        r.admit('rule', 'b', req('single', 0, { token: 2 })),
        r.admit('other', 'c', req('parallel', 0, { max: 1, token: 3 })),
        r.admit('other', 'd', req('parallel', 0, { max: 1, token: 4 })),
      ]);
      expect(answers.map((a) => a.decision)).toEqual(['run', 'busy', 'run', 'busy']);
      const after = await Promise.all([
        r.release('rule', 'a', 1),
        r.admit('rule', 'b', req('single', 10, { token: 2 })),
        r.release('other', 'c', 3),
      ]);
      expect(after[1]).toMatchObject({ decision: 'run' });
      expect(await r.entries('rule', 10)).toEqual({ running: ['b'], queued: [] });
      expect(await r.entries('other', 10)).toEqual({ running: [], queued: [] });
    });

    it('parallel: at most max at once', async () => {
      const r = factory.registry();
      expect(await r.admit('rule', 'a', req('parallel', 0, { max: 2 }))).toMatchObject({ decision: 'run' });
      expect(await r.admit('rule', 'b', req('parallel', 0, { max: 2, token: 2 }))).toMatchObject({ decision: 'run' });
      expect(await r.admit('rule', 'c', req('parallel', 0, { max: 2, token: 3 }))).toMatchObject({ decision: 'busy' });
      await r.release('rule', 'a', 1);
      expect(await r.admit('rule', 'c', req('parallel', 0, { max: 2, token: 3 }))).toMatchObject({ decision: 'run' });
      expect(await r.entries('rule', 0)).toEqual({ running: ['b', 'c'], queued: [] });
    });

    it('queued: waiting runs take their turn in order; running plus waiting is capped at max', async () => {
      const r = factory.registry();
      const q = (token: number, order: number) => req('queued', 0, { max: 3, token, order });
      expect(await r.admit('rule', 'a', q(1, 10))).toMatchObject({ decision: 'run' });
      expect(await r.admit('rule', 'c', q(3, 30))).toMatchObject({ decision: 'queued' });
      expect(await r.admit('rule', 'b', q(2, 20))).toMatchObject({ decision: 'queued' });
      expect(await r.admit('rule', 'd', q(4, 40))).toMatchObject({ decision: 'busy' });
      expect(await r.entries('rule', 0)).toEqual({ running: ['a'], queued: ['b', 'c'] });
      expect(await r.poll('rule', 'b', 2, 100, LEASE)).toBe('wait');
      await r.release('rule', 'a', 1);
      expect(await r.poll('rule', 'c', 3, 200, LEASE)).toBe('wait'); // b is first
      expect(await r.poll('rule', 'b', 2, 200, LEASE)).toBe('run');
      expect(await r.poll('rule', 'b', 2, 200, LEASE)).toBe('run'); // asking again is harmless
      expect(await r.entries('rule', 200)).toEqual({ running: ['b'], queued: ['c'] });
      expect(await r.poll('rule', 'c', 3, 300, LEASE)).toBe('wait');
      await r.release('rule', 'b', 2);
      expect(await r.poll('rule', 'c', 3, 400, LEASE)).toBe('run');
      expect(await r.poll('rule', 'x', 9, 400, LEASE)).toBe('gone');
    });

    it('restart: stops every run in progress; the stopped run learns it on renew', async () => {
      const r = factory.registry();
      await r.admit('rule', 'a', req('restart', 0));
      expect(await r.admit('rule', 'b', req('restart', 10, { token: 2 }))).toEqual({ decision: 'run', stopped: ['a'] });
      expect(await r.renew('rule', 'a', 1, 20, LEASE)).toBe(false);
      expect(await r.renew('rule', 'b', 2, 20, LEASE)).toBe(true);
      await r.release('rule', 'a', 1); // the stopped run's release does not touch the new one
      expect(await r.entries('rule', 20)).toEqual({ running: ['b'], queued: [] });
    });

    it('an entry whose lease lapsed (dead replica) no longer blocks; renewing keeps it', async () => {
      const r = factory.registry();
      await r.admit('rule', 'a', req('single', 0));
      expect(await r.renew('rule', 'a', 1, 900, LEASE)).toBe(true); // now held until 1900
      expect(await r.admit('rule', 'b', req('single', 1500, { token: 2 }))).toMatchObject({ decision: 'busy' });
      expect(await r.entries('rule', 1800)).toEqual({ running: ['a'], queued: [] });
      expect(await r.entries('rule', 1900)).toEqual({ running: [], queued: [] });
      expect(await r.admit('rule', 'b', req('single', 1900, { token: 2 }))).toMatchObject({ decision: 'run' });
      expect(await r.renew('rule', 'a', 1, 1900, LEASE)).toBe(false);
    });

    it('a waiting entry whose lease lapsed is dropped from the queue', async () => {
      const r = factory.registry();
      await r.admit('rule', 'a', req('queued', 0));
      await r.admit('rule', 'b', req('queued', 0, { token: 2, order: 1 }));
      await r.admit('rule', 'c', req('queued', 500, { token: 3, order: 2 }));
      expect(await r.renew('rule', 'a', 1, 900, LEASE)).toBe(true);
      expect(await r.renew('rule', 'c', 3, 900, LEASE)).toBe(true);
      // b never polled: at 1500 it is gone and c is next once a is released.
      await r.release('rule', 'a', 1);
      expect(await r.poll('rule', 'c', 3, 1500, LEASE)).toBe('run');
      expect(await r.poll('rule', 'b', 2, 1500, LEASE)).toBe('gone');
    });

    it('the same firing claimed again (takeover) replaces the entry; the stale claim is refused', async () => {
      const r = factory.registry();
      await r.admit('rule', 'f', req('single', 0, { token: 5 }));
      expect(await r.admit('rule', 'f', req('single', 100, { token: 7 }))).toMatchObject({ decision: 'run' });
      expect(await r.renew('rule', 'f', 5, 100, LEASE)).toBe(false);
      expect(await r.admit('rule', 'f', req('single', 100, { token: 5 }))).toMatchObject({ decision: 'busy' });
      await r.release('rule', 'f', 5);
      expect(await r.entries('rule', 100)).toEqual({ running: ['f'], queued: [] });
      await r.release('rule', 'f', 7);
      expect(await r.entries('rule', 100)).toEqual({ running: [], queued: [] });
    });
  });
}
