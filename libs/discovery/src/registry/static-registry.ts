import { systemClock, type Clock } from '@lattice/core';
import type {
  InstanceDescriptor,
  InstanceStatus,
  ServiceInstance,
  ServiceSnapshot,
} from '../instance/service-instance.js';
import { assertDescriptor, byInstanceId, settle, toInstance } from '../internal/instances.js';
import { WatcherSet } from '../internal/watcher-set.js';
import type { LeaseOptions, RegistryHealth, RegistryWatcher, ServiceRegistry } from './service-registry.interfaces.js';

/**
 * One configured instance of a {@link StaticRegistry}; `instanceId` defaults to `host:port` of its first port.
 *
 * @example
 * ```ts
 * const device: StaticInstanceConfig = { host: '127.0.0.1', ports: { grpc: 50052 }, zone: 'a' };
 * ```
 */
export type StaticInstanceConfig = Omit<InstanceDescriptor, 'service' | 'instanceId'> & {
  readonly instanceId?: string;
};

/**
 * Options of {@link StaticRegistry}.
 *
 * @example
 * ```ts
 * new StaticRegistry({ services: { push: [{ host: '127.0.0.1', ports: { http: 3003 } }] } });
 * ```
 */
export interface StaticRegistryOptions {
  /** Instances by service name. @default {} */
  services?: Readonly<Record<string, readonly StaticInstanceConfig[]>>;
  /** Time source for `registeredAtMs`. @default systemClock */
  clock?: Clock;
}

/**
 * A registry whose instances come from configuration, for local work and tests.
 * Registration, renewal and deregistration are no-ops (instances are what the config
 * says); `setStatus` changes the in-process view only, and {@link replace} swaps the whole
 * configuration (e.g. on a config reload), notifying watchers.
 *
 * @example
 * ```ts
 * const registry = new StaticRegistry({
 *   services: { device: [{ host: '127.0.0.1', ports: { grpc: 50052 }, zone: 'a' }] },
 * });
 * ```
 */
export class StaticRegistry implements ServiceRegistry {
  readonly kind = 'static';
  private readonly clock: Clock;
  private readonly watchers = new WatcherSet();
  private byService = new Map<string, Map<string, ServiceInstance>>();

  constructor(options: StaticRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.replace(options.services ?? {});
  }

  /** Replaces every configured instance; throws `DiscoveryInvalidInstanceError` (and keeps the old set) when one is invalid. */
  replace(services: Readonly<Record<string, readonly StaticInstanceConfig[]>>): void {
    const now = this.clock.now();
    const next = new Map<string, Map<string, ServiceInstance>>();
    for (const [service, configs] of Object.entries(services)) {
      const instances = new Map<string, ServiceInstance>();
      for (const config of configs) {
        const firstPort = Object.values(config.ports)[0];
        const descriptor: InstanceDescriptor = {
          ...config,
          service,
          instanceId: config.instanceId ?? `${config.host}:${firstPort ?? 0}`,
        };
        assertDescriptor(descriptor);
        const previous = this.byService.get(service)?.get(descriptor.instanceId);
        instances.set(descriptor.instanceId, toInstance(descriptor, previous?.registeredAtMs ?? now));
      }
      next.set(service, instances);
    }
    const touched = new Set([...this.byService.keys(), ...next.keys()]);
    this.byService = next;
    for (const service of touched) this.watchers.schedule(service, () => this.read(service));
  }

  /** A no-op: the instance is returned as it would look, but the configuration decides what exists. */
  register(descriptor: InstanceDescriptor, _lease: LeaseOptions): Promise<ServiceInstance> {
    return settle(() => {
      assertDescriptor(descriptor);
      return toInstance(descriptor, this.clock.now());
    });
  }

  /** Always true: configured instances never expire. */
  renew(service: string, instanceId: string, _lease: LeaseOptions): Promise<boolean> {
    return Promise.resolve(this.byService.get(service)?.has(instanceId) ?? true);
  }

  /** A no-op (false): remove instances from the configuration instead. */
  deregister(_service: string, _instanceId: string): Promise<boolean> {
    return Promise.resolve(false);
  }

  setStatus(service: string, instanceId: string, status: InstanceStatus): Promise<boolean> {
    const instances = this.byService.get(service);
    const current = instances?.get(instanceId);
    if (instances === undefined || current === undefined) return Promise.resolve(false);
    instances.set(instanceId, { ...current, status });
    this.watchers.schedule(service, () => this.read(service));
    return Promise.resolve(true);
  }

  snapshot(service: string): Promise<ServiceSnapshot> {
    return Promise.resolve(this.read(service));
  }

  services(): Promise<string[]> {
    return Promise.resolve(
      [...this.byService.entries()]
        .filter(([, m]) => m.size > 0)
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
    return { kind: this.kind, connected: true, selfPreservation: [] };
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }

  private read(service: string): ServiceSnapshot {
    const instances = this.byService.get(service);
    return {
      service,
      instances: instances === undefined ? [] : [...instances.values()].sort(byInstanceId),
      selfPreservation: false,
    };
  }
}
