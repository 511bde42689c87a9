import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidOptionsError } from '@lattice/core';
import {
  ConfigNoGrayReleaseError,
  ConfigReleaseInvalidError,
  ConfigReleaseNotFoundError,
  ConfigRevisionConflictError,
  ConfigRollbackTargetError,
  type ConfigStore,
  type ConfigStoreEvent,
} from '@lattice/config';
import { waitFor } from '#test/wait.js';

export interface StoreUnderTest {
  store: ConfigStore;
  /** A second handle on the same data (another connection for Redis). */
  peer: ConfigStore;
  close(): Promise<void>;
}

let counter = 0;

/** The behaviour every ConfigStore adapter must have; run once per adapter. */
export function describeConfigStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ConfigStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: ConfigStore;
    let at: { appId: string; cluster: string; namespace: string };

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
      counter += 1;
      at = { appId: `app-${counter}`, cluster: 'default', namespace: 'application' };
    });
    afterEach(async () => {
      await subject.close();
    });

    it('starts empty at revision 0', async () => {
      expect(await store.state(at)).toEqual({ revision: 0, main: null, gray: null });
      expect(await store.revision(at)).toBe(0);
      expect(await store.history(at)).toEqual([]);
      expect(await store.release(at, 1)).toBeNull();
    });

    it('publishes immutable releases with version, author, comment and time', async () => {
      const before = Date.now();
      const first = await store.publish({ ...at, properties: { rps: 100, name: 'x' }, author: 'ann', comment: 'c1' });
      const second = await store.publish({
        ...at,
        properties: { rps: 200, nested: { list: [1, 'two', true, null, []], obj: {} }, big: 2 ** 53 - 1, f: 0.1 },
        author: 'bob',
      });
      expect(first).toMatchObject({ ...at, version: 1, kind: 'publish', author: 'ann', comment: 'c1' });
      expect(first.createdAtMs).toBeGreaterThanOrEqual(before);
      expect(second).toMatchObject({ version: 2, comment: '', author: 'bob' });
      expect(Object.isFrozen(second.properties)).toBe(true);

      const state = await subject.peer.state(at);
      expect(state.revision).toBe(2);
      expect(state.main).toEqual(second);
      expect(state.main?.properties).toEqual({
        rps: 200,
        nested: { list: [1, 'two', true, null, []], obj: {} },
        big: 2 ** 53 - 1,
        f: 0.1,
      });
      expect(state.gray).toBeNull();
      expect((await subject.peer.history(at)).map((r) => r.version)).toEqual([2, 1]);
      expect(await subject.peer.history(at, 1)).toEqual([second]);
      expect(await subject.peer.release(at, 1)).toEqual(first);
    });

    it('keeps namespaces, clusters and apps apart', async () => {
      await store.publish({ ...at, properties: { a: 1 }, author: 'ann' });
      await store.publish({ ...at, namespace: 'gateway.routes', properties: { b: 2 }, author: 'ann' });
      await store.publish({ ...at, cluster: 'prod-sh', properties: { c: 3 }, author: 'ann' });
      expect((await store.state(at)).main?.properties).toEqual({ a: 1 });
      expect((await store.state({ ...at, namespace: 'gateway.routes' })).main?.properties).toEqual({ b: 2 });
      expect((await store.state({ ...at, cluster: 'prod-sh' })).main?.properties).toEqual({ c: 3 });
      expect(await store.revision({ ...at, appId: `${at.appId}-other` })).toBe(0);
    });

    it('refuses invalid coordinates, authors and properties and changes nothing', async () => {
      await expect(store.publish({ ...at, namespace: 'a:b', properties: {}, author: 'ann' })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
      await expect(store.publish({ ...at, properties: {}, author: ' ' })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(store.publish({ ...at, properties: { bad: Number.NaN }, author: 'ann' })).rejects.toBeInstanceOf(
        ConfigReleaseInvalidError,
      );
      await expect(
        store.publish({ ...at, properties: [1] as unknown as Record<string, number>, author: 'ann' }),
      ).rejects.toBeInstanceOf(ConfigReleaseInvalidError);
      expect(await store.revision(at)).toBe(0);
    });

    it('refuses a publish whose expected revision is stale', async () => {
      await store.publish({ ...at, properties: { a: 1 }, author: 'ann', expectedRevision: 0 });
      const error = await store
        .publish({ ...at, properties: { a: 2 }, author: 'bob', expectedRevision: 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigRevisionConflictError);
      expect((error as ConfigRevisionConflictError).data).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
      expect((await store.state(at)).main?.properties).toEqual({ a: 1 });
    });

    it('rolls back to an earlier release as a new release', async () => {
      await store.publish({ ...at, properties: { v: 1 }, author: 'ann' });
      await store.publish({ ...at, properties: { v: 2 }, author: 'ann' });
      await store.publish({ ...at, properties: { v: 3 }, author: 'ann' });
      const rollback = await store.rollback(at, 1, { author: 'ops', comment: 'bad v3' });
      expect(rollback).toMatchObject({
        version: 4,
        kind: 'rollback',
        rollbackOf: 1,
        properties: { v: 1 },
        author: 'ops',
      });
      expect((await subject.peer.state(at)).main).toEqual(rollback);
      expect((await store.history(at)).map((r) => r.version)).toEqual([4, 3, 2, 1]);
    });

    it('refuses rollback to a missing, current, newer or gray release', async () => {
      await store.publish({ ...at, properties: { v: 1 }, author: 'ann' });
      await store.publishGray({ ...at, properties: { v: 9 }, targets: { instanceIds: ['i1'] }, author: 'ann' });
      await expect(store.rollback(at, 42, { author: 'ops' })).rejects.toBeInstanceOf(ConfigReleaseNotFoundError);
      await expect(store.rollback(at, 1, { author: 'ops' })).rejects.toBeInstanceOf(ConfigRollbackTargetError);
      await expect(store.rollback(at, 2, { author: 'ops' })).rejects.toBeInstanceOf(ConfigRollbackTargetError);
      expect(await store.revision(at)).toBe(2);
    });

    it('publishes, replaces and promotes a gray release', async () => {
      await store.publish({ ...at, properties: { v: 1 }, author: 'ann' });
      const gray1 = await store.publishGray({
        ...at,
        properties: { v: 2 },
        targets: { labels: { canary: 'true' } },
        author: 'ann',
      });
      expect(gray1).toMatchObject({ version: 2, kind: 'gray', targets: { labels: { canary: 'true' } } });
      const gray2 = await store.publishGray({
        ...at,
        properties: { v: 3 },
        targets: { instanceIds: ['i-7'] },
        author: 'ann',
      });
      let state = await subject.peer.state(at);
      expect(state.main?.version).toBe(1);
      expect(state.gray).toEqual(gray2);

      const promoted = await store.promoteGray(at, { author: 'ops', comment: 'looks good' });
      expect(promoted).toMatchObject({ version: 4, kind: 'promote', promotedFrom: 3, properties: { v: 3 } });
      state = await subject.peer.state(at);
      expect(state).toEqual({ revision: 4, main: promoted, gray: null });
      await expect(store.promoteGray(at, { author: 'ops' })).rejects.toBeInstanceOf(ConfigNoGrayReleaseError);
    });

    it('abandons a gray release, bumping the revision without a new release', async () => {
      await store.publish({ ...at, properties: { v: 1 }, author: 'ann' });
      const gray = await store.publishGray({
        ...at,
        properties: { v: 2 },
        targets: { instanceIds: ['a'] },
        author: 'ann',
      });
      const abandoned = await store.abandonGray(at, { author: 'ops' });
      expect(abandoned).toEqual(gray);
      const state = await store.state(at);
      expect(state.revision).toBe(3);
      expect(state.gray).toBeNull();
      expect(state.main?.properties).toEqual({ v: 1 });
      expect((await store.history(at)).map((r) => r.version)).toEqual([2, 1]);
      await expect(store.abandonGray(at, { author: 'ops' })).rejects.toBeInstanceOf(ConfigNoGrayReleaseError);
      await expect(store.publishGray({ ...at, properties: {}, targets: {}, author: 'ann' })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
    });

    it('notifies watchers of every change with the new revision', async () => {
      const events: ConfigStoreEvent[] = [];
      const stop = await subject.peer.watch((event) => events.push(event));
      await store.publish({ ...at, properties: { v: 1 }, author: 'ann' });
      await store.publishGray({ ...at, properties: { v: 2 }, targets: { instanceIds: ['a'] }, author: 'ann' });
      await store.abandonGray(at, { author: 'ann' });
      await waitFor(() => events.length >= 3);
      expect(events.map((e) => (e.type === 'change' ? { ...e, state: undefined } : e))).toEqual(
        [1, 2, 3].map((revision) => ({ type: 'change', coordinates: at, revision, state: undefined })),
      );
      // When a store inlines the new state, it is exactly the state at that revision.
      const states = events.map((e) => (e.type === 'change' ? e.state : undefined));
      if (states[0] !== undefined) {
        expect(states.map((s) => [s?.revision, s?.main?.version, s?.gray?.version ?? null])).toEqual([
          [1, 1, null],
          [2, 1, 2],
          [3, 1, null],
        ]);
        expect(states[1]?.gray?.properties).toEqual({ v: 2 });
      }
      stop();
      await store.publish({ ...at, properties: { v: 4 }, author: 'ann' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toHaveLength(3);
    });

    it('gives every concurrent publish its own version', async () => {
      const releases = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : subject.peer).publish({ ...at, properties: { i }, author: 'ann' }),
        ),
      );
      expect(new Set(releases.map((r) => r.version)).size).toBe(20);
      const state = await store.state(at);
      expect(state.revision).toBe(20);
      expect(state.main?.version).toBe(20);
    });
  });
}

export { waitFor };
