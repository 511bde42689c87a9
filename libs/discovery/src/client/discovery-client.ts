import { systemClock, type Clock } from '@lattice/core';
import type { Gauge, Logger, MetricsRegistry } from '@lattice/telemetry';
import { DiscoveryRegistryUnavailableError } from '../discovery.errors.js';
import type { ServiceInstance, ServiceSnapshot } from '../instance/service-instance.js';
import { BalancerRegistry, DEFAULT_BALANCER } from '../balancers/balancer-registry.js';
import { InstanceStats, type InstanceStatsOptions } from '../balancers/instance-stats.js';
import type { LoadBalancer } from '../balancers/load-balancer.interfaces.js';
import { OutlierDetector, type OutlierEjectionOptions } from '../balancers/outlier-detector.js';
import { ZoneAffinityBalancer } from '../balancers/zone-affinity.balancer.js';
import type { ServiceRegistry } from '../registry/service-registry.interfaces.js';
import { ServiceBalancer, type InstanceSource, type ServiceBalancerMetrics } from './service-balancer.js';

/**
 * Load-balancing options, per client (defaults) and per service.
 *
 * @example
 * ```ts
 * discovery.balancer('device', { strategy: 'consistent-hash', outlierEjection: { consecutiveFailures: 3 } });
 * ```
 */
export interface BalancerOptions {
  /** A balancer name from the BalancerRegistry. @default 'p2c' */
  strategy?: string;
  /** Prefer instances in the caller's zone (`zone` of the client). @default true when the client has a zone */
  zoneAffinity?: boolean;
  /** Local zone overload threshold for spill-over (average requests in flight per instance). @default 10 */
  zoneOverloadOutstandingPerInstance?: number;
  /** Passive outlier ejection. @default { consecutiveFailures: 5, baseEjectionMs: 5000, maxEjectionMs: 300000, maxEjectedRatio: 0.5 } */
  outlierEjection?: OutlierEjectionOptions;
  /** Latency EWMA settings. @default { decayMs: 10000, defaultLatencyMs: 1 } */
  latency?: Omit<InstanceStatsOptions, 'clock'>;
}

/**
 * Options of {@link DiscoveryClient}.
 *
 * @example
 * ```ts
 * new DiscoveryClient(registry, { zone: 'eu-west-1a', balancer: { strategy: 'p2c' }, metrics });
 * ```
 */
export interface DiscoveryClientOptions {
  /** The caller's zone (`LATTICE_ZONE`), for zone affinity. @default undefined */
  zone?: string;
  /** Defaults for every {@link DiscoveryClient.balancer}. */
  balancer?: BalancerOptions;
  /** Balancers by name; pass one to add custom balancers. @default new BalancerRegistry() */
  balancers?: BalancerRegistry;
  /** Where `lattice_discovery_*` metrics go. @default none */
  metrics?: MetricsRegistry;
  logger?: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** Random source of the balancers. @default Math.random */
  random?: () => number;
}

/**
 * What {@link DiscoveryClient.watch} listeners receive.
 *
 * @example
 * ```ts
 * discovery.watch('device', (e: DiscoveryEvent) => pool.resize(e.up.length));
 * ```
 */
export interface DiscoveryEvent {
  readonly service: string;
  /** Every known instance, whatever its status. */
  readonly instances: readonly ServiceInstance[];
  /** The UP ones. */
  readonly up: readonly ServiceInstance[];
  /** True while the registry is unreachable and these are the last known instances. */
  readonly stale: boolean;
  /** True while the registry holds expired leases in self-preservation. */
  readonly selfPreservation: boolean;
}

/**
 * The client's health, for readiness details and dashboards.
 *
 * @example
 * ```ts
 * if (discovery.health().status === 'degraded') log.warn(discovery.health(), 'discovery degraded');
 * ```
 */
export interface DiscoveryHealth {
  /** `degraded` while any service is served from a stale cache or in self-preservation. */
  readonly status: 'up' | 'degraded';
  readonly registry: string;
  readonly connected: boolean;
  /** Services served from the last known instances because the registry is unreachable. */
  readonly stale: readonly string[];
  /** Services the registry holds in self-preservation. */
  readonly selfPreservation: readonly string[];
}

interface CacheEntry extends InstanceSource {
  snapshot: ServiceSnapshot | undefined;
  upInstances: readonly ServiceInstance[] | undefined;
  stale: boolean;
  loading: Promise<void> | undefined;
  readonly listeners: Set<(event: DiscoveryEvent) => void>;
  unwatch: () => void;
}

interface ClientMetrics extends ServiceBalancerMetrics {
  readonly instances: Gauge<'service'>;
  readonly stale: Gauge<'service'>;
  readonly preservation: Gauge<'service'>;
}

/**
 * Finds instances of services through a {@link ServiceRegistry}, like Spring Cloud's
 * `DiscoveryClient`: a local cache kept current by a registry watch, which keeps serving
 * the last known instances (flagged stale) while the registry is unreachable, and
 * per-service load balancers.
 *
 * @example
 * ```ts
 * const discovery = new DiscoveryClient(new RedisRegistry({ url: process.env.LATTICE_REDIS_URL }), { zone: 'a' });
 * const instances = await discovery.getInstances('device'); // UP instances
 * const stop = discovery.watch('device', (e) => console.log(e.up.length, e.stale));
 * const instance = await discovery.balancer('device').choose();
 * ```
 */
export class DiscoveryClient {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly balancersByKey = new Map<string, ServiceBalancer>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly balancers: BalancerRegistry;
  private readonly metrics: ClientMetrics | undefined;
  private closed = false;

  constructor(
    /** The registry this client reads. */
    readonly registry: ServiceRegistry,
    private readonly options: DiscoveryClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.balancers = options.balancers ?? new BalancerRegistry();
    const m = options.metrics;
    this.metrics =
      m === undefined
        ? undefined
        : {
            instances: m.gauge({
              name: 'lattice_discovery_instances',
              help: 'UP instances known per service',
              labelNames: ['service'],
            }),
            stale: m.gauge({
              name: 'lattice_discovery_cache_stale',
              help: '1 while a service is served from the last known instances (registry unreachable)',
              labelNames: ['service'],
            }),
            preservation: m.gauge({
              name: 'lattice_discovery_self_preservation',
              help: '1 while the registry holds expired leases of the service (self-preservation)',
              labelNames: ['service'],
            }),
            ejections: m.counter({
              name: 'lattice_discovery_ejections_total',
              help: 'Instances ejected as outliers',
              labelNames: ['service'],
            }),
            ejected: m.gauge({
              name: 'lattice_discovery_ejected',
              help: 'Instances ejected as outliers now',
              labelNames: ['service'],
            }),
          };
  }

  /**
   * The service's instances: UP ones unless `includeAll`. The first call for a service reads
   * the registry and starts a watch; later calls answer from the cache. Throws
   * `DiscoveryRegistryUnavailableError` only when the registry is unreachable and nothing is cached.
   */
  async getInstances(service: string, options: { includeAll?: boolean } = {}): Promise<ServiceInstance[]> {
    const entry = this.entry(service);
    if (entry.snapshot === undefined) await entry.load();
    return [...(options.includeAll ? entry.snapshot!.instances : entry.upInstances!)];
  }

  /**
   * Calls `listener` with the service's instances now (once loaded) and after every change,
   * including when they turn stale. Returns the function that stops it.
   */
  watch(service: string, listener: (event: DiscoveryEvent) => void): () => void {
    const entry = this.entry(service);
    entry.listeners.add(listener);
    if (entry.snapshot !== undefined) {
      const snapshotNow = this.event(entry);
      queueMicrotask(() => entry.listeners.has(listener) && listener(snapshotNow));
    } else {
      entry.load().catch(() => undefined); // the watch delivers once the registry answers
    }
    return () => entry.listeners.delete(listener);
  }

  /**
   * The load balancer of a service; the same object for the same service and options.
   * Throws `DiscoveryUnknownBalancerError` for an unknown strategy.
   */
  balancer(service: string, options: BalancerOptions = {}): ServiceBalancer {
    const merged: BalancerOptions = { ...this.options.balancer, ...options };
    const key = JSON.stringify([service, merged]);
    let balancer = this.balancersByKey.get(key);
    if (balancer !== undefined) return balancer;
    const stats = new InstanceStats({ ...merged.latency, clock: this.clock });
    let strategy: LoadBalancer = this.balancers.create(merged.strategy ?? DEFAULT_BALANCER, {
      stats,
      clock: this.clock,
      random: this.random,
    });
    const zone = this.options.zone;
    if (zone !== undefined && (merged.zoneAffinity ?? true)) {
      strategy = new ZoneAffinityBalancer(strategy, stats, {
        zone,
        ...(merged.zoneOverloadOutstandingPerInstance === undefined
          ? {}
          : { overloadOutstandingPerInstance: merged.zoneOverloadOutstandingPerInstance }),
      });
    }
    const outliers = new OutlierDetector(merged.outlierEjection, this.clock);
    balancer = new ServiceBalancer(this.entry(service), strategy, stats, outliers, this.clock, this.metrics);
    this.balancersByKey.set(key, balancer);
    return balancer;
  }

  /** Stale and self-preservation state of the services this client follows. */
  health(): DiscoveryHealth {
    const registry = this.registry.health();
    const stale = [...this.cache.values()].filter((e) => e.stale).map((e) => e.service);
    const preserving = new Set(registry.selfPreservation);
    for (const e of this.cache.values()) if (e.snapshot?.selfPreservation) preserving.add(e.service);
    return {
      status: stale.length > 0 || preserving.size > 0 ? 'degraded' : 'up',
      registry: registry.kind,
      connected: registry.connected,
      stale: stale.sort(),
      selfPreservation: [...preserving].sort(),
    };
  }

  /** Stops the watches (the registry itself belongs to whoever created it). */
  close(): Promise<void> {
    this.closed = true;
    for (const entry of this.cache.values()) {
      entry.unwatch();
      entry.listeners.clear();
    }
    this.cache.clear();
    return Promise.resolve();
  }

  private entry(service: string): CacheEntry {
    let entry = this.cache.get(service);
    if (entry !== undefined) return entry;
    const created: CacheEntry = {
      service,
      snapshot: undefined,
      upInstances: undefined,
      stale: false,
      loading: undefined,
      listeners: new Set(),
      unwatch: () => undefined,
      up: () => created.upInstances,
      knownCount: () => created.snapshot?.instances.length ?? 0,
      load: () => {
        if (created.snapshot !== undefined) return Promise.resolve();
        created.loading ??= this.registry.snapshot(service).then(
          (snapshot) => {
            created.loading = undefined;
            if (created.snapshot === undefined) this.apply(created, snapshot);
          },
          (error: unknown) => {
            created.loading = undefined;
            throw new DiscoveryRegistryUnavailableError(service, error);
          },
        );
        return created.loading;
      },
    };
    entry = created;
    this.cache.set(service, entry);
    if (!this.closed)
      entry.unwatch = this.registry.watch(service, {
        onSnapshot: (snapshot) => this.apply(created, snapshot),
        onError: (error) => this.markStale(created, error),
      });
    return entry;
  }

  private apply(entry: CacheEntry, snapshot: ServiceSnapshot): void {
    const wasStale = entry.stale;
    entry.snapshot = snapshot;
    entry.upInstances = snapshot.instances.filter((i) => i.status === 'UP');
    entry.stale = false;
    if (wasStale)
      this.options.logger?.info({ service: entry.service }, 'discovery: registry reachable again, instances resynced');
    this.metrics?.instances.set({ service: entry.service }, entry.upInstances.length);
    this.metrics?.stale.set({ service: entry.service }, 0);
    this.metrics?.preservation.set({ service: entry.service }, snapshot.selfPreservation ? 1 : 0);
    this.notify(entry);
  }

  private markStale(entry: CacheEntry, error: Error): void {
    if (entry.snapshot === undefined || entry.stale) return;
    entry.stale = true;
    this.options.logger?.warn(
      { service: entry.service, err: error },
      'discovery: registry unreachable, serving the last known instances',
    );
    this.metrics?.stale.set({ service: entry.service }, 1);
    this.notify(entry);
  }

  private notify(entry: CacheEntry): void {
    const event = this.event(entry);
    for (const listener of [...entry.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger?.error({ service: entry.service, err: error }, 'discovery: watch listener failed');
      }
    }
  }

  private event(entry: CacheEntry): DiscoveryEvent {
    return {
      service: entry.service,
      instances: entry.snapshot?.instances ?? [],
      up: entry.upInstances ?? [],
      stale: entry.stale,
      selfPreservation: entry.snapshot?.selfPreservation ?? false,
    };
  }
}
