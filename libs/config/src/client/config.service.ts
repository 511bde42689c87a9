import type { OnApplicationShutdown } from '@nestjs/common';
import { isConfigTree, mergeConfigTrees, type ClockTimer } from '@lattice/core';
import { createLogger, MetricsRegistry, type Counter, type Gauge, type Logger } from '@lattice/telemetry';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigBackendUnavailableError,
  ConfigNamespaceInvalidError,
  ConfigReleaseInvalidError,
  ConfigUnknownNamespaceError,
} from '../config.errors.js';
import type { ConfigHealth, ConfigModuleOptions, ConfigSource, NamespaceHealth } from '../config.interfaces.js';
import { FileCache } from '../internal/file-cache.js';
import { environmentLayer, indexInto, readPropertiesFile, type Tree } from '../internal/layers.js';
import { MountedDir } from '../internal/mounted-dir.js';
import { resolveOptions, type ResolvedNamespace, type ResolvedOptions } from '../internal/options.js';
import { deepFreeze, parseProperties, sameValue } from '../model/properties.js';
import type { ConfigCoordinates, NamespaceState, Properties, Release } from '../model/release.interfaces.js';
import type { ConfigStore, ConfigStoreEvent } from '../store/config-store.interfaces.js';
import { MemoryConfigStore } from '../store/memory-config-store.js';
import { RedisConfigStore } from '../store/redis-config-store.js';
import { LiveValue } from './live-value.js';

interface Runtime {
  readonly def: ResolvedNamespace;
  readonly at: ConfigCoordinates;
  readonly defaults: Tree;
  readonly file: Tree;
  readonly env: Tree;
  mounted: Tree | undefined;
  /** The applied release (main or gray) and the state it came from. */
  applied: Release | null;
  state: NamespaceState | undefined;
  values: Tree;
  /** The store's revision we last read (-1: never read from the store). */
  revision: number;
  reachable: boolean;
  source: ConfigSource;
  refused: string;
  refusedVersion: number;
  syncing: Promise<void> | undefined;
  again: boolean;
  cacheWrite: Promise<void>;
  warnedEmpty: boolean;
}

type Listener = (next: unknown, prev: unknown) => void;

const SOURCES: readonly ConfigSource[] = ['defaults', 'cache', 'remote'];

/**
 * Live configuration of a service: every namespace it declares, merged in one precedence —
 * defaults < YAML files < config center < mounted directory < environment — validated with
 * the namespace's zod schema, and kept current by change notifications plus a periodic
 * version check. Reads are in-memory map lookups.
 *
 * A release that fails a namespace's schema is refused (last good values stay, the reason is
 * logged and `lattice_config_refused_total` counts it). When the store is unreachable the
 * service serves its last good values (from memory, or at start from the local file cache)
 * and reports `cache`; it catches up when the store returns.
 *
 * In Nest, use {@link ConfigModule}; elsewhere `new ConfigService(options)` then `await start()`
 * and `await close()`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Limits {
 *   constructor(private readonly config: ConfigService) {
 *     config.watch('rateLimit.rps', (next, prev) => log.info({ next, prev }, 'rps changed'));
 *   }
 *   get rps(): number {
 *     return this.config.get<number>('rateLimit.rps', 100);
 *   }
 * }
 * ```
 */
export class ConfigService implements OnApplicationShutdown {
  /** The store this service reads (given in options, or opened by it). */
  readonly store: ConfigStore;
  private readonly options: ResolvedOptions;
  private readonly ownsStore: boolean;
  private readonly log: Logger;
  private readonly cache: FileCache | undefined;
  private readonly runtimes = new Map<string, Runtime>();
  private readonly byCoordinates = new Map<string, Runtime>();
  private index = new Map<string, unknown>();
  private readonly namespaceListeners = new Map<string, Set<Listener>>();
  private readonly keyListeners = new Map<string, Set<Listener>>();
  private readonly sourceGauge: Gauge;
  private readonly versionGauge: Gauge;
  private readonly refusedCounter: Counter;
  private readonly updatesCounter: Counter;
  private mountedDir: MountedDir | undefined;
  private checkTimer: ClockTimer | undefined;
  private unwatch: (() => void) | undefined;
  private subscribed = false;
  private started: Promise<void> | undefined;
  private ready = false;
  private closed = false;

  constructor(options: ConfigModuleOptions) {
    this.options = resolveOptions(options);
    this.log = (options.logger ?? createLogger({ app: options.appId })).child({ component: 'config' });
    const metrics = options.metrics ?? new MetricsRegistry({ processMetrics: false });
    this.sourceGauge = metrics.gauge({
      name: 'lattice_config_source',
      help: 'Where each namespace values come from: 1 for the source in use (remote, cache or defaults)',
      labelNames: ['namespace', 'source'],
    });
    this.versionGauge = metrics.gauge({
      name: 'lattice_config_release_version',
      help: 'Version of the release applied per namespace (0 when none)',
      labelNames: ['namespace'],
    });
    this.refusedCounter = metrics.counter({
      name: 'lattice_config_refused_total',
      help: 'Releases or mounted files refused because they failed the namespace schema',
      labelNames: ['namespace', 'origin'],
    });
    this.updatesCounter = metrics.counter({
      name: 'lattice_config_updates_total',
      help: 'Changes of a namespace values applied without a restart',
      labelNames: ['namespace'],
    });
    this.cache = this.options.cacheDir === null ? undefined : new FileCache(this.options.cacheDir);
    if (options.store !== undefined) {
      this.store = options.store;
      this.ownsStore = false;
    } else if (options.redis !== undefined) {
      this.store = new RedisConfigStore({
        ...(options.redis.url === undefined ? {} : { url: options.redis.url }),
        ...(options.redis.client === undefined ? {} : { client: options.redis.client }),
        ...(options.redis.keyPrefix === undefined ? {} : { keyPrefix: options.redis.keyPrefix }),
        connectionName: `lattice:config:${options.appId}`,
        clock: this.options.clock,
      });
      this.ownsStore = true;
    } else {
      this.store = new MemoryConfigStore({ clock: this.options.clock });
      this.ownsStore = true;
    }
  }

  /** This instance's id (gray releases by instance target it). */
  get instanceId(): string {
    return this.options.instanceId;
  }

  /**
   * Loads every layer, reads the store (or, if it does not answer within `requestTimeoutMs`,
   * the file cache) and starts following changes. Fails with `CONFIG_NAMESPACE_INVALID` when
   * a namespace cannot satisfy its schema from any source. Idempotent.
   */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  /**
   * The value of a property (dotted keys reach into objects: `rateLimit.rps`), from the
   * first declared namespace that has it; `fallback` when none does. An in-memory read.
   */
  get<T = unknown>(key: string, fallback?: T): T {
    const value = this.index.get(key);
    return (value === undefined ? fallback : value) as T;
  }

  /** The whole (validated, read-only) values of a declared namespace. */
  namespace<T = Record<string, unknown>>(name: string): T {
    return this.runtime(name).values as T;
  }

  /**
   * One namespace as a live source: `get()` returns its current values, `watch(listener)`
   * calls `listener(next)` on every change. The shape other libs accept for live settings,
   * e.g. @lattice/resilience's rule source.
   *
   * @example
   * ```ts
   * ResilienceModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ rules: config.source('resilience.rules') }),
   * });
   * ```
   */
  source<T = Record<string, unknown>>(namespace: string): { get(): T; watch(listener: (next: T) => void): () => void } {
    this.runtime(namespace); // fails now, with the declared names, if the namespace is not followed
    return {
      get: () => this.namespace<T>(namespace),
      watch: (listener) => this.watch<T>(namespace, (next) => listener(next)),
    };
  }

  /** A handle whose `.value` is always the current value of `key`. */
  live<T = unknown>(key: string, fallback?: T): LiveValue<T> {
    return new LiveValue(() => this.get<T>(key, fallback));
  }

  /**
   * Calls `listener(next, prev)` whenever a declared namespace's values (when `target` is a
   * namespace name) or a key's value change. Returns a function that stops it.
   */
  watch<T = unknown>(target: string, listener: (next: T, prev: T) => void): () => void {
    const map = this.runtimes.has(target) ? this.namespaceListeners : this.keyListeners;
    const set = map.get(target) ?? new Set<Listener>();
    set.add(listener as Listener);
    map.set(target, set);
    return () => {
      set.delete(listener as Listener);
    };
  }

  /** Where values come from, per namespace and overall; boot's readiness check shows it. */
  health(): ConfigHealth {
    const namespaces: Record<string, NamespaceHealth> = {};
    let worst = 2;
    for (const [name, rt] of this.runtimes) {
      namespaces[name] = {
        source: rt.source,
        version: rt.applied?.version ?? 0,
        gray: rt.applied?.kind === 'gray',
        refusedVersion: rt.refusedVersion,
      };
      worst = Math.min(worst, SOURCES.indexOf(rt.source));
    }
    return { source: SOURCES[worst]!, instanceId: this.options.instanceId, namespaces };
  }

  /** Re-reads every namespace from the store now (the periodic version check does the same). */
  async refresh(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((rt) => this.sync(rt, false)));
  }

  /** Stops following changes and closes what this service opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkTimer) this.options.clock.clearTimeout(this.checkTimer);
    this.mountedDir?.close();
    this.unwatch?.();
    await Promise.all(
      [...this.runtimes.values()].map((rt) => (rt.syncing ?? Promise.resolve()).catch(() => undefined)),
    );
    await Promise.all([...this.runtimes.values()].map((rt) => rt.cacheWrite));
    if (this.ownsStore) await this.store.close();
  }

  /** Nest calls it on shutdown. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private runtime(name: string): Runtime {
    const rt = this.runtimes.get(name);
    if (rt === undefined) {
      throw new ConfigUnknownNamespaceError(name, [...this.runtimes.keys()]);
    }
    return rt;
  }

  private async doStart(): Promise<void> {
    const fileLayers = this.readFiles();
    const names = this.options.namespaces.map((ns) => ns.name);
    let mounted = new Map<string, Properties | undefined>();
    if (this.options.mountedDir !== undefined) {
      this.mountedDir = new MountedDir(
        resolve(this.options.mountedDir),
        names,
        this.options.clock,
        this.options.mountedDirPollMs,
        {
          changed: (namespace, properties) => this.onMountedChange(namespace, properties),
          failed: (namespace, file, error) => {
            this.refusedCounter.inc({ namespace, origin: 'mounted' });
            this.log.warn({ namespace, file, err: error }, 'mounted config file refused; keeping the previous values');
          },
        },
      );
      mounted = this.mountedDir.load();
    }
    for (const def of this.options.namespaces) {
      const rt: Runtime = {
        def,
        at: { appId: def.appId, cluster: this.options.cluster, namespace: def.name },
        defaults: this.options.defaults[def.name] ?? {},
        file: fileLayers.get(def.name) ?? {},
        env: environmentLayer(this.options.appId, def.name, this.options.env),
        mounted: mounted.get(def.name),
        applied: null,
        state: undefined,
        values: {},
        revision: -1,
        reachable: false,
        source: 'defaults',
        refused: '',
        refusedVersion: 0,
        syncing: undefined,
        again: false,
        cacheWrite: Promise.resolve(),
        warnedEmpty: false,
      };
      this.runtimes.set(def.name, rt);
      this.byCoordinates.set(coordinatesKey(rt.at), rt);
    }

    const watching = this.store.watch((event) => this.onStoreEvent(event));
    watching.then(
      (stop) => {
        if (this.closed) {
          stop();
          return;
        }
        this.unwatch = stop;
        if (!this.subscribed) {
          this.subscribed = true;
          // Subscribed late (the store was down at start): catch up now.
          if (this.ready) void this.refresh();
        }
      },
      (error: unknown) => this.log.warn({ err: error }, 'config change notifications unavailable'),
    );
    await this.withDeadline('subscribing to changes', watching).catch(() => undefined);

    await Promise.all([...this.runtimes.values()].map((rt) => this.load(rt)));
    this.rebuildIndex();
    this.ready = true;
    this.scheduleCheck();
    this.mountedDir?.start();
    // Notifications may have started flowing while we loaded: one more check closes that gap.
    if (this.subscribed) void this.refresh();
    this.log.info({ health: this.health() }, 'config loaded');
  }

  /** Initial values of one namespace: store, else file cache, else the local layers alone. */
  private async load(rt: Runtime): Promise<void> {
    let remote: NamespaceState | undefined;
    try {
      remote = await this.withDeadline('reading releases', this.store.state(rt.at));
      rt.reachable = true;
    } catch (error) {
      this.log.warn({ namespace: rt.def.name, err: error }, 'config store unreachable at start; trying the file cache');
    }
    let applied = remote !== undefined && this.applyState(rt, remote, 'remote', false);
    if (remote !== undefined) rt.revision = remote.revision;
    if (!applied && this.cache !== undefined) {
      const cached = await this.cache.read(rt.at);
      if (cached !== undefined) applied = this.applyState(rt, cached, 'cache', false);
    }
    if (!applied) {
      const result = this.compute(rt, undefined, rt.mounted);
      if (!result.ok) throw new ConfigNamespaceInvalidError(rt.def.name, result.problems);
      rt.values = result.values;
    }
    this.updateSource(rt);
  }

  private readFiles(): Map<string, Tree> {
    const layers = new Map<string, Tree>();
    for (const entry of this.options.files) {
      const path = typeof entry === 'string' ? entry : entry.path;
      let content: Properties;
      try {
        content = path.endsWith('.json')
          ? parseProperties(readFileSync(path, 'utf8'), 'json')
          : readPropertiesFile(path);
      } catch (error) {
        if (error instanceof ConfigReleaseInvalidError) {
          throw new ConfigReleaseInvalidError(`YAML in ${path}`, error.data.problems, error);
        }
        throw new ConfigReleaseInvalidError(`file ${path}`, [(error as Error).message], error);
      }
      const perNamespace: [string, unknown][] =
        typeof entry === 'string' ? Object.entries(content) : [[entry.namespace, content]];
      for (const [namespace, properties] of perNamespace) {
        if (!isConfigTree(properties)) {
          throw new ConfigReleaseInvalidError(`file ${path}`, [
            `${namespace}: must be a mapping of properties (top-level keys of a shared file are namespaces)`,
          ]);
        }
        layers.set(namespace, mergeConfigTrees(layers.get(namespace) ?? {}, properties));
      }
    }
    return layers;
  }

  private compute(
    rt: Runtime,
    center: Properties | undefined,
    mounted: Tree | undefined,
  ): { ok: true; values: Tree } | { ok: false; problems: string[] } {
    let merged = mergeConfigTrees(rt.defaults, rt.file);
    if (center !== undefined) merged = mergeConfigTrees(merged, center);
    if (mounted !== undefined) merged = mergeConfigTrees(merged, mounted);
    merged = mergeConfigTrees(merged, rt.env);
    if (rt.def.schema === undefined) return { ok: true, values: deepFreeze(structuredClone(merged)) };
    const parsed = rt.def.schema.safeParse(merged);
    if (parsed.success) return { ok: true, values: deepFreeze(parsed.data as Tree) };
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    };
  }

  /** Picks the release for this instance from a state and applies it; false when nothing was applied. */
  private applyState(rt: Runtime, state: NamespaceState, origin: 'remote' | 'cache', notify = true): boolean {
    const chosen = state.gray !== null && this.targeted(state.gray) ? state.gray : state.main;
    if (chosen === null) {
      if (rt.applied !== null && !rt.warnedEmpty) {
        rt.warnedEmpty = true;
        this.log.warn(
          { namespace: rt.def.name, version: rt.applied.version },
          'config store has no release for this namespace (data lost?); keeping the last good values',
        );
      }
      return false;
    }
    rt.warnedEmpty = false;
    const identity = releaseIdentity(chosen);
    if (rt.applied !== null && releaseIdentity(rt.applied) === identity) {
      rt.state = state;
      return true;
    }
    if (rt.refused === identity) return false;
    const result = this.compute(rt, chosen.properties, rt.mounted);
    if (!result.ok) {
      rt.refused = identity;
      rt.refusedVersion = chosen.version;
      this.refusedCounter.inc({ namespace: rt.def.name, origin: 'release' });
      this.log.warn(
        { namespace: rt.def.name, version: chosen.version, author: chosen.author, problems: result.problems, origin },
        'config release refused: it fails this service schema; keeping the last good values',
      );
      return false;
    }
    rt.applied = chosen;
    rt.state = state;
    this.versionGauge.set({ namespace: rt.def.name }, chosen.version);
    this.setValues(rt, result.values, notify);
    if (origin === 'remote' && this.cache !== undefined) {
      const cache = this.cache;
      rt.cacheWrite = rt.cacheWrite
        .then(() => cache.write(rt.at, state))
        .catch((error: unknown) =>
          this.log.warn({ namespace: rt.def.name, err: error }, 'config file cache not written'),
        );
    }
    return true;
  }

  private targeted(gray: Release): boolean {
    const targets = gray.targets ?? {};
    if ((targets.instanceIds ?? []).includes(this.options.instanceId)) return true;
    const labels = Object.entries(targets.labels ?? {});
    return labels.length > 0 && labels.every(([k, v]) => this.options.labels[k] === v);
  }

  private setValues(rt: Runtime, values: Tree, notify: boolean): void {
    const previous = rt.values;
    if (sameValue(previous, values)) return;
    const previousIndex = this.index;
    rt.values = values;
    if (!notify) return;
    this.rebuildIndex();
    this.updatesCounter.inc({ namespace: rt.def.name });
    this.emit(this.namespaceListeners.get(rt.def.name), values, previous);
    for (const [key, listeners] of this.keyListeners) {
      const next = this.index.get(key);
      const prev = previousIndex.get(key);
      if (!sameValue(next, prev)) this.emit(listeners, next, prev);
    }
  }

  private emit(listeners: Set<Listener> | undefined, next: unknown, prev: unknown): void {
    for (const listener of listeners ?? []) {
      try {
        listener(next, prev);
      } catch (error) {
        this.log.error({ err: error }, 'config change listener failed');
      }
    }
  }

  private rebuildIndex(): void {
    const index = new Map<string, unknown>();
    for (const rt of this.runtimes.values()) indexInto(index, rt.values);
    this.index = index;
  }

  private onMountedChange(namespace: string, properties: Properties | undefined): void {
    const rt = this.runtimes.get(namespace);
    if (rt === undefined || this.closed) return;
    const result = this.compute(rt, rt.applied?.properties, properties);
    if (!result.ok) {
      this.refusedCounter.inc({ namespace, origin: 'mounted' });
      this.log.warn({ namespace, problems: result.problems }, 'mounted config refused: it fails this service schema');
      return;
    }
    rt.mounted = properties;
    this.setValues(rt, result.values, true);
  }

  private onStoreEvent(event: ConfigStoreEvent): void {
    if (this.closed) return;
    if (event.type === 'disconnected') {
      this.subscribed = false;
      this.log.warn('config change notifications lost; serving cached values until the store returns');
      for (const rt of this.runtimes.values()) this.updateSource(rt);
      return;
    }
    if (event.type === 'connected') {
      this.subscribed = true;
      if (this.ready) void this.refresh();
      return;
    }
    const rt = this.byCoordinates.get(coordinatesKey(event.coordinates));
    if (rt === undefined || event.revision === rt.revision) return;
    // An inline state older than what we hold arrived late (a read overtook it): re-read instead.
    if (event.state !== undefined && event.state.revision > rt.revision && rt.syncing === undefined && this.ready) {
      // The notification carries the new state: apply it without a round trip.
      rt.revision = event.state.revision;
      this.applyState(rt, event.state, 'remote');
      this.markReachable(rt, true);
      return;
    }
    void this.sync(rt, true);
  }

  /** Brings one namespace up to date; concurrent calls coalesce into one more round. */
  private sync(rt: Runtime, changed: boolean): Promise<void> {
    if (rt.syncing !== undefined) {
      rt.again = true;
      return rt.syncing;
    }
    rt.syncing = (async () => {
      let knownChanged = changed;
      do {
        rt.again = false;
        await this.syncOnce(rt, knownChanged);
        knownChanged = true;
      } while (rt.again && !this.closed);
    })().finally(() => {
      rt.syncing = undefined;
    });
    return rt.syncing;
  }

  private async syncOnce(rt: Runtime, changed: boolean): Promise<void> {
    if (this.closed) return;
    try {
      if (!changed) {
        const revision = await this.withDeadline('checking the version', this.store.revision(rt.at));
        if (revision === rt.revision) {
          this.markReachable(rt, true);
          return;
        }
      }
      const state = await this.withDeadline('reading releases', this.store.state(rt.at));
      if (this.closed) return;
      rt.revision = state.revision;
      this.applyState(rt, state, 'remote');
      this.markReachable(rt, true);
    } catch (error) {
      if (rt.reachable) {
        this.log.warn({ namespace: rt.def.name, err: error }, 'config store unreachable; serving cached values');
      }
      this.markReachable(rt, false);
    }
  }

  private markReachable(rt: Runtime, reachable: boolean): void {
    rt.reachable = reachable;
    this.updateSource(rt);
  }

  private updateSource(rt: Runtime): void {
    rt.source = rt.reachable && this.subscribed ? 'remote' : rt.applied !== null ? 'cache' : 'defaults';
    for (const source of SOURCES) {
      this.sourceGauge.set({ namespace: rt.def.name, source }, source === rt.source ? 1 : 0);
    }
  }

  private scheduleCheck(): void {
    if (this.closed) return;
    this.checkTimer = this.options.clock.setTimeout(() => {
      void this.refresh().finally(() => this.scheduleCheck());
    }, this.options.versionCheckIntervalMs);
    this.checkTimer.unref();
  }

  private withDeadline<T>(operation: string, promise: Promise<T>): Promise<T> {
    const { clock, requestTimeoutMs } = this.options;
    return new Promise<T>((resolvePromise, reject) => {
      const timer = clock.setTimeout(
        () =>
          reject(new ConfigBackendUnavailableError(operation, new Error(`no answer within ${requestTimeoutMs} ms`))),
        requestTimeoutMs,
      );
      timer.unref();
      promise.then(
        (value) => {
          clock.clearTimeout(timer);
          resolvePromise(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(
            error instanceof ConfigBackendUnavailableError
              ? error
              : new ConfigBackendUnavailableError(operation, error),
          );
        },
      );
    });
  }
}

function coordinatesKey(at: ConfigCoordinates): string {
  return `${at.appId}\u0000${at.cluster}\u0000${at.namespace}`;
}

function releaseIdentity(release: Release): string {
  return `${release.version}@${release.createdAtMs}`;
}
