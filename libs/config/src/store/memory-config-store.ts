import { systemClock, type Clock } from '@lattice/core';
import {
  ConfigNoGrayReleaseError,
  ConfigReleaseNotFoundError,
  ConfigRevisionConflictError,
  ConfigRollbackTargetError,
} from '../config.errors.js';
import { deepFreeze, validateProperties } from '../model/properties.js';
import type {
  ConfigCoordinates,
  GrayPublishInput,
  NamespaceState,
  PublishInput,
  Release,
  ReleaseMeta,
} from '../model/release.interfaces.js';
import type { ConfigStore, ConfigStoreEvent } from './config-store.interfaces.js';
import { checkChange, checkCoordinates, checkTargets, coordinatesOf } from './store-support.js';

/**
 * Options of {@link MemoryConfigStore}.
 *
 * @example
 * ```ts
 * new MemoryConfigStore({ clock: new ManualClock(0) })
 * ```
 */
export interface MemoryConfigStoreOptions {
  /** Stamps `createdAtMs`. @default systemClock */
  clock?: Clock;
}

interface Entry {
  revision: number;
  main: number;
  gray: number;
  readonly releases: Map<number, Release>;
}

/**
 * The embedded config store: releases in this process's memory, notifications by callback.
 * Used by `npm start` (all apps in one process share one instance) and by tests. It is a
 * real implementation for one process, passing the same contract suite as Redis.
 *
 * @example
 * ```ts
 * const store = new MemoryConfigStore();
 * ConfigModule.forRoot({ appId: 'device', store });
 * ```
 */
export class MemoryConfigStore implements ConfigStore {
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(event: ConfigStoreEvent) => void>();

  constructor(options: MemoryConfigStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  publish(input: PublishInput): Promise<Release> {
    return this.change(input, input.expectedRevision, (entry, version) => {
      entry.main = version;
      return this.make(input, version, 'publish', { properties: input.properties });
    });
  }

  publishGray(input: GrayPublishInput): Promise<Release> {
    return this.change(
      input,
      input.expectedRevision,
      (entry, version) => {
        entry.gray = version;
        return this.make(input, version, 'gray', {
          properties: input.properties,
          targets: { instanceIds: [...(input.targets.instanceIds ?? [])], labels: { ...(input.targets.labels ?? {}) } },
        });
      },
      () => checkTargets(input.targets),
    );
  }

  promoteGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    return this.change({ ...at, ...meta }, undefined, (entry, version) => {
      const gray = this.activeGray(at, entry);
      entry.main = version;
      entry.gray = 0;
      return this.make({ ...at, ...meta }, version, 'promote', {
        properties: gray.properties,
        promotedFrom: gray.version,
      });
    });
  }

  async abandonGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    let abandoned: Release | undefined;
    await this.change({ ...at, ...meta }, undefined, (entry) => {
      abandoned = this.activeGray(at, entry);
      entry.gray = 0;
      return undefined;
    });
    return abandoned!;
  }

  rollback(at: ConfigCoordinates, toVersion: number, meta: ReleaseMeta): Promise<Release> {
    return this.change({ ...at, ...meta }, undefined, (entry, version) => {
      const target = entry.releases.get(toVersion);
      if (target === undefined) throw new ConfigReleaseNotFoundError(at, toVersion);
      if (target.kind === 'gray') throw new ConfigRollbackTargetError(at, toVersion, 'it is a gray release');
      if (toVersion >= entry.main) {
        throw new ConfigRollbackTargetError(
          at,
          toVersion,
          `it is not older than the current main release ${entry.main}`,
        );
      }
      entry.main = version;
      return this.make({ ...at, ...meta }, version, 'rollback', {
        properties: target.properties,
        rollbackOf: toVersion,
      });
    });
  }

  state(at: ConfigCoordinates): Promise<NamespaceState> {
    checkCoordinates(at);
    const entry = this.entries.get(key(at));
    if (entry === undefined) return Promise.resolve({ revision: 0, main: null, gray: null });
    return Promise.resolve({
      revision: entry.revision,
      main: entry.releases.get(entry.main) ?? null,
      gray: entry.releases.get(entry.gray) ?? null,
    });
  }

  revision(at: ConfigCoordinates): Promise<number> {
    checkCoordinates(at);
    return Promise.resolve(this.entries.get(key(at))?.revision ?? 0);
  }

  release(at: ConfigCoordinates, version: number): Promise<Release | null> {
    checkCoordinates(at);
    return Promise.resolve(this.entries.get(key(at))?.releases.get(version) ?? null);
  }

  history(at: ConfigCoordinates, limit?: number): Promise<Release[]> {
    checkCoordinates(at);
    const releases = [...(this.entries.get(key(at))?.releases.values() ?? [])].sort((a, b) => b.version - a.version);
    return Promise.resolve(limit === undefined ? releases : releases.slice(0, limit));
  }

  watch(listener: (event: ConfigStoreEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    return Promise.resolve(() => {
      this.listeners.delete(listener);
    });
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private activeGray(at: ConfigCoordinates, entry: Entry): Release {
    const gray = entry.releases.get(entry.gray);
    if (gray === undefined) throw new ConfigNoGrayReleaseError(at);
    return gray;
  }

  private make(
    meta: ConfigCoordinates & ReleaseMeta,
    version: number,
    kind: Release['kind'],
    extra: Pick<Release, 'properties'> & Partial<Pick<Release, 'rollbackOf' | 'promotedFrom' | 'targets'>>,
  ): Release {
    return deepFreeze({
      ...coordinatesOf(meta),
      version,
      kind,
      author: meta.author,
      comment: meta.comment ?? '',
      createdAtMs: this.clock.now(),
      ...extra,
      properties: structuredClone(extra.properties),
    });
  }

  /** Runs one change atomically: checks, bumps the revision, stores the release, notifies. */
  // async, but without any await inside: the whole change runs in one synchronous step.
  // eslint-disable-next-line @typescript-eslint/require-await
  private async change(
    input: ConfigCoordinates & ReleaseMeta & { properties?: unknown },
    expectedRevision: number | undefined,
    apply: (entry: Entry, version: number) => Release | undefined,
    check?: () => void,
  ): Promise<Release> {
    checkCoordinates(input);
    checkChange(input);
    if (input.properties !== undefined) validateProperties(input.properties);
    check?.();
    const id = key(input);
    const entry = this.entries.get(id) ?? { revision: 0, main: 0, gray: 0, releases: new Map<number, Release>() };
    if (expectedRevision !== undefined && expectedRevision !== entry.revision) {
      throw new ConfigRevisionConflictError(input, expectedRevision, entry.revision);
    }
    // Work on a copy so a failed check leaves the entry untouched.
    const draft: Entry = { ...entry };
    const version = entry.revision + 1;
    const release = apply(draft, version);
    entry.main = draft.main;
    entry.gray = draft.gray;
    entry.revision = version;
    if (release !== undefined) entry.releases.set(version, release);
    this.entries.set(id, entry);
    const event: ConfigStoreEvent = {
      type: 'change',
      coordinates: coordinatesOf(input),
      revision: version,
      state: {
        revision: version,
        main: entry.releases.get(entry.main) ?? null,
        gray: entry.releases.get(entry.gray) ?? null,
      },
    };
    // Delivered asynchronously, as from Redis, so listeners never run inside the caller's change.
    setImmediate(() => {
      for (const listener of [...this.listeners]) listener(event);
    });
    return release ?? (undefined as unknown as Release);
  }
}

function key(at: ConfigCoordinates): string {
  return `${at.appId}\u0000${at.cluster}\u0000${at.namespace}`;
}
