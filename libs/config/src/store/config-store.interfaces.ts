import type {
  ConfigCoordinates,
  GrayPublishInput,
  NamespaceState,
  PublishInput,
  Release,
  ReleaseMeta,
} from '../model/release.interfaces.js';

/**
 * Something the store tells its watchers.
 *
 * @example
 * ```ts
 * const stop = await store.watch((event) => {
 *   if (event.type === 'change') console.log(event.coordinates.namespace, event.revision);
 * });
 * ```
 */
export type ConfigStoreEvent =
  /**
   * A namespace changed; `revision` is its new revision. `state` is the new state when the
   * store could include it (small enough), so watchers need not read it back.
   */
  | {
      readonly type: 'change';
      readonly coordinates: ConfigCoordinates;
      readonly revision: number;
      readonly state?: NamespaceState;
    }
  /** Notifications may have been missed (connection lost); watchers should not trust what they hold. */
  | { readonly type: 'disconnected' }
  /** Notifications flow again; watchers should re-check every namespace they hold. */
  | { readonly type: 'connected' };

/**
 * The config center's storage: immutable releases per namespace, the current main and gray
 * release, and change notifications. `MemoryConfigStore` (one process) and
 * `RedisConfigStore` (many processes) implement it and pass the same contract suite.
 *
 * Every change is atomic and bumps the namespace's revision by one; the new release (if
 * any) takes the new revision as its version.
 *
 * @example
 * ```ts
 * const store: ConfigStore = new MemoryConfigStore();
 * const at = { appId: 'device', cluster: 'default', namespace: 'application' };
 * const release = await store.publish({ ...at, properties: { rps: 100 }, author: 'ops', comment: 'raise limit' });
 * const { main } = await store.state(at); // main.version === release.version
 * ```
 */
export interface ConfigStore {
  /** Publishes a new main release. */
  publish(input: PublishInput): Promise<Release>;
  /** Publishes a gray release for some instances (replacing an active gray release). */
  publishGray(input: GrayPublishInput): Promise<Release>;
  /** Makes the active gray release the main release for everyone (a new `promote` release). */
  promoteGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release>;
  /** Drops the active gray release; its targets return to the main release. Returns the dropped release. */
  abandonGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release>;
  /** Publishes the properties of an earlier main release again (a new `rollback` release). */
  rollback(at: ConfigCoordinates, toVersion: number, meta: ReleaseMeta): Promise<Release>;
  /** The namespace's revision and its current main and gray releases. */
  state(at: ConfigCoordinates): Promise<NamespaceState>;
  /** The namespace's revision only (the cheap periodic check). */
  revision(at: ConfigCoordinates): Promise<number>;
  /** One release by version, or null. */
  release(at: ConfigCoordinates, version: number): Promise<Release | null>;
  /** Releases, newest first. @param limit at most this many @default all */
  history(at: ConfigCoordinates, limit?: number): Promise<Release[]>;
  /** Calls `listener` on every event until the returned function is called; resolves once notifications flow. */
  watch(listener: (event: ConfigStoreEvent) => void): Promise<() => void>;
  /** Releases connections and timers the store opened (not ones it was given). */
  close(): Promise<void>;
}

/**
 * Injection token of the {@link ConfigStore} (use `@InjectConfigStore()`).
 *
 * @example
 * ```ts
 * providers: [{ provide: ConfigStore, useValue: new MemoryConfigStore() }]
 * ```
 */
export const ConfigStore: unique symbol = Symbol('LATTICE:CONFIG:STORE');
