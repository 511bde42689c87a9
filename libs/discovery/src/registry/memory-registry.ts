import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import type {
  InstanceDescriptor,
  InstanceStatus,
  ServiceInstance,
  ServiceSnapshot,
} from '../instance/service-instance.js';
import { decideEviction, type SelfPreservationSettings } from '../internal/eviction.js';
import { assertDescriptor, byInstanceId, settle, toInstance } from '../internal/instances.js';
import { WatcherSet } from '../internal/watcher-set.js';
import {
  SELF_PRESERVATION_DEFAULTS,
  SWEEP_INTERVAL_DEFAULT_MS,
  type LeaseRegistryOptions,
} from './registry.options.js';
import type { LeaseOptions, RegistryHealth, RegistryWatcher, ServiceRegistry } from './service-registry.interfaces.js';

/**
 * Options of {@link MemoryRegistry}.
 *
 * @example
 * ```ts
 * new MemoryRegistry({ clock: new ManualClock(0), sweepIntervalMs: 0 });
 * ```
 */
export type MemoryRegistryOptions = LeaseRegistryOptions;

interface ServiceEntry {
  readonly instances: Map<string, ServiceInstance>;
  recentEvictionExpiries: number[];
  preserving: boolean;
}

/**
 * A registry inside one process: leases, eviction, self-preservation and watches, without
 * a server. The default backend (`LATTICE_DISCOVERY=memory`); the all-in-one mode shares
 * one instance between its apps by passing it in the module options.
 *
 * @example
 * ```ts
 * const registry = new MemoryRegistry();
 * await registry.register({ service: 'push', instanceId: 'p1', host: '127.0.0.1', ports: { http: 3003 } }, { leaseTtlMs: 15_000 });
 * const stop = registry.watch('push', { onSnapshot: (s) => console.log(s.instances.length) });
 * ```
 */
export class MemoryRegistry implements ServiceRegistry {
  readonly kind = 'memory';
  private readonly clock: Clock;
  private readonly sweepIntervalMs: number;
  private readonly preservation: SelfPreservationSettings;
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly watchers = new WatcherSet();
  private sweepTimer: ClockTimer | undefined;
  private closed = false;

  constructor(options: MemoryRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.sweepIntervalMs = options.sweepIntervalMs ?? SWEEP_INTERVAL_DEFAULT_MS;
    this.preservation = { ...SELF_PRESERVATION_DEFAULTS, ...options.selfPreservation };
  }

  register(descriptor: InstanceDescriptor, lease: LeaseOptions): Promise<ServiceInstance> {
    return settle(() => this.registerNow(descriptor, lease));
  }

  private registerNow(descriptor: InstanceDescriptor, lease: LeaseOptions): ServiceInstance {
    assertDescriptor(descriptor);
    const now = this.clock.now();
    const entry = this.entry(descriptor.service);
    const previous = entry.instances.get(descriptor.instanceId);
    const instance = toInstance(descriptor, previous?.registeredAtMs ?? now, {
      leaseTtlMs: lease.leaseTtlMs,
      leaseExpiresAtMs: now + lease.leaseTtlMs,
    });
    entry.instances.set(instance.instanceId, instance);
    this.startSweeper();
    this.changed(descriptor.service);
    return instance;
  }

  renew(service: string, instanceId: string, lease: LeaseOptions): Promise<boolean> {
    const entry = this.entries.get(service);
    const current = entry?.instances.get(instanceId);
    if (entry === undefined || current === undefined) return Promise.resolve(false);
    const now = this.clock.now();
    entry.instances.set(instanceId, {
      ...current,
      leaseTtlMs: lease.leaseTtlMs,
      leaseExpiresAtMs: now + lease.leaseTtlMs,
    });
    // A renewal can end self-preservation; the next read decides.
    if (entry.preserving) this.changed(service);
    return Promise.resolve(true);
  }

  deregister(service: string, instanceId: string): Promise<boolean> {
    const removed = this.entries.get(service)?.instances.delete(instanceId) ?? false;
    if (removed) this.changed(service);
    return Promise.resolve(removed);
  }

  setStatus(service: string, instanceId: string, status: InstanceStatus): Promise<boolean> {
    const entry = this.entries.get(service);
    const current = entry?.instances.get(instanceId);
    if (entry === undefined || current === undefined) return Promise.resolve(false);
    if (current.status !== status) {
      entry.instances.set(instanceId, { ...current, status });
      this.changed(service);
    }
    return Promise.resolve(true);
  }

  snapshot(service: string): Promise<ServiceSnapshot> {
    return Promise.resolve(this.read(service));
  }

  services(): Promise<string[]> {
    for (const service of this.entries.keys()) this.evict(service);
    return Promise.resolve(
      [...this.entries.entries()]
        .filter(([, e]) => e.instances.size > 0)
        .map(([name]) => name)
        .sort(),
    );
  }

  watch(service: string, watcher: RegistryWatcher): () => void {
    const stop = this.watchers.add(service, watcher);
    queueMicrotask(() => {
      if (this.watchers.has(service, watcher)) watcher.onSnapshot(this.read(service));
    });
    return stop;
  }

  health(): RegistryHealth {
    return {
      kind: this.kind,
      connected: !this.closed,
      selfPreservation: [...this.entries.entries()].filter(([, e]) => e.preserving).map(([name]) => name),
    };
  }

  /** Evicts lapsed leases of every service now (the sweeper calls this on its interval). */
  sweep(): Promise<void> {
    for (const service of this.entries.keys()) this.evict(service);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.watchers.clear();
    return Promise.resolve();
  }

  private read(service: string): ServiceSnapshot {
    this.evict(service);
    const entry = this.entries.get(service);
    return {
      service,
      instances: entry === undefined ? [] : [...entry.instances.values()].sort(byInstanceId),
      selfPreservation: entry?.preserving ?? false,
    };
  }

  /** Applies the eviction rules; notifies watchers when something changed. */
  private evict(service: string): void {
    const entry = this.entries.get(service);
    if (entry === undefined) return;
    const now = this.clock.now();
    const decision = decideEviction({
      now,
      leases: [...entry.instances.values()].map((i) => ({
        id: i.instanceId,
        expiresAt: i.leaseExpiresAtMs ?? Infinity,
      })),
      recentEvictionExpiries: entry.recentEvictionExpiries,
      preserving: entry.preserving,
      settings: this.preservation,
    });
    const since = now - this.preservation.windowMs;
    entry.recentEvictionExpiries = entry.recentEvictionExpiries.filter((t) => t > since);
    let changed = decision.preserving !== entry.preserving;
    entry.preserving = decision.preserving;
    for (const id of decision.evict) {
      const expiresAt = entry.instances.get(id)?.leaseExpiresAtMs;
      if (entry.instances.delete(id)) {
        changed = true;
        if (expiresAt !== undefined) entry.recentEvictionExpiries.push(expiresAt);
      }
    }
    if (changed) this.changed(service, false);
  }

  private entry(service: string): ServiceEntry {
    let entry = this.entries.get(service);
    if (entry === undefined) {
      entry = { instances: new Map(), recentEvictionExpiries: [], preserving: false };
      this.entries.set(service, entry);
    }
    return entry;
  }

  private changed(service: string, evictFirst = true): void {
    this.watchers.schedule(service, () => (evictFirst ? this.read(service) : this.readWithoutEviction(service)));
  }

  private readWithoutEviction(service: string): ServiceSnapshot {
    const entry = this.entries.get(service);
    return {
      service,
      instances: entry === undefined ? [] : [...entry.instances.values()].sort(byInstanceId),
      selfPreservation: entry?.preserving ?? false,
    };
  }

  private startSweeper(): void {
    if (this.sweepTimer !== undefined || this.sweepIntervalMs <= 0 || this.closed) return;
    const tick = (): void => {
      void this.sweep();
      this.sweepTimer = this.clock.setTimeout(tick, this.sweepIntervalMs).unref();
    };
    this.sweepTimer = this.clock.setTimeout(tick, this.sweepIntervalMs).unref();
  }
}
