import type {
  InstanceDescriptor,
  InstanceStatus,
  ServiceInstance,
  ServiceSnapshot,
} from '../instance/service-instance.js';

/**
 * Receives a service's instances whenever they change (and once when the watch starts),
 * and errors while the registry cannot be reached.
 *
 * @example
 * ```ts
 * registry.watch('device', { onSnapshot: (s) => update(s.instances), onError: (e) => log.warn(e) });
 * ```
 */
export interface RegistryWatcher {
  /** A fresh snapshot: the full set, not a delta. */
  onSnapshot(snapshot: ServiceSnapshot): void;
  /** The registry is unreachable; a snapshot follows once it is back (after a resync). */
  onError?(error: Error): void;
}

/**
 * Lease settings sent with a registration or renewal.
 *
 * @example
 * ```ts
 * await registry.renew('device', 'd1', { leaseTtlMs: 15_000 });
 * ```
 */
export interface LeaseOptions {
  /** How long the lease lives without renewal. */
  readonly leaseTtlMs: number;
}

/**
 * What a registry reports about itself, for health endpoints and the CLI.
 *
 * @example
 * ```ts
 * const { connected, selfPreservation } = registry.health();
 * ```
 */
export interface RegistryHealth {
  /** `memory`, `redis`, `kubernetes`, `static` or a custom backend's name. */
  readonly kind: string;
  /** False while the backend cannot be reached. */
  readonly connected: boolean;
  /** Services currently in self-preservation (as last seen by this process). */
  readonly selfPreservation: readonly string[];
}

/**
 * A service registry backend (Eureka server, Consul, Nacos naming...). Lattice ships
 * `MemoryRegistry`, `RedisRegistry`, `KubernetesRegistry` and `StaticRegistry`; all pass
 * one contract suite. Writes on the read-only ones (static, Kubernetes) are no-ops or
 * throw `DiscoveryReadOnlyRegistryError` as documented on each method.
 *
 * @example
 * ```ts
 * const registry: ServiceRegistry = new MemoryRegistry();
 * await registry.register({ service: 'device', instanceId: 'd1', host: '127.0.0.1', ports: { http: 3002 } }, { leaseTtlMs: 15_000 });
 * const { instances } = await registry.snapshot('device');
 * ```
 */
export interface ServiceRegistry {
  /** The backend's name (`memory`, `redis`, `kubernetes`, `static`). */
  readonly kind: string;
  /** Adds (or replaces) an instance with a fresh lease. A no-op returning the instance on read-only registries. */
  register(instance: InstanceDescriptor, lease: LeaseOptions): Promise<ServiceInstance>;
  /** Extends the lease; false when the registry no longer knows the instance (re-register then). */
  renew(service: string, instanceId: string, lease: LeaseOptions): Promise<boolean>;
  /** Removes the instance at once; false when it was not registered. */
  deregister(service: string, instanceId: string): Promise<boolean>;
  /** Changes the status (e.g. OUT_OF_SERVICE); false when the instance is unknown. */
  setStatus(service: string, instanceId: string, status: InstanceStatus): Promise<boolean>;
  /** The service's instances, expired leases evicted first (unless self-preservation holds them). */
  snapshot(service: string): Promise<ServiceSnapshot>;
  /** Names of the services with at least one instance, sorted. */
  services(): Promise<string[]>;
  /** Calls the watcher with the current snapshot and after every change; returns the unsubscribe function. */
  watch(service: string, watcher: RegistryWatcher): () => void;
  /** Connection and self-preservation state. */
  health(): RegistryHealth;
  /** Stops timers, watches and connections this registry opened. */
  close(): Promise<void>;
}

/**
 * The injection token of the application's {@link ServiceRegistry} (reach it with
 * `@InjectServiceRegistry()`, or `app.get(ServiceRegistry)` outside constructors).
 *
 * @example
 * ```ts
 * const registry = app.get<ServiceRegistry>(ServiceRegistry);
 * ```
 */
export const ServiceRegistry: unique symbol = Symbol('LATTICE:DISCOVERY:SERVICE_REGISTRY');
