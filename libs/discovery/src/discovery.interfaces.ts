import type { Clock } from '@lattice/core';
import type { Redis } from 'ioredis';
import type { BalancerRegistry } from './balancers/balancer-registry.js';
import type { BalancerOptions } from './client/discovery-client.js';
import type { MemoryRegistry } from './registry/memory-registry.js';
import type { SelfPreservationOptions } from './registry/registry.options.js';
import type { ServiceRegistry } from './registry/service-registry.interfaces.js';
import type { StaticInstanceConfig } from './registry/static-registry.js';
import type { KubernetesRegistryOptions } from './registry/kubernetes-registry.js';

/**
 * Registry backends of {@link DiscoveryModuleOptions.backend}.
 *
 * @example
 * ```ts
 * const backend = (process.env.LATTICE_DISCOVERY ?? 'memory') as DiscoveryBackend;
 * ```
 */
export type DiscoveryBackend = 'memory' | 'redis' | 'kubernetes' | 'static';

/**
 * How this instance describes itself when it registers.
 *
 * @example
 * ```ts
 * const instance: DiscoveryInstanceOptions = { service: 'device', ports: { grpc: 50052 }, metadata: { weight: '2' } };
 * ```
 */
export interface DiscoveryInstanceOptions {
  /** The service this instance belongs to. */
  service: string;
  /** @default `${service}-${hostname}-${pid}-${random}` */
  instanceId?: string;
  /** Address callers use. @default os.hostname() */
  host?: string;
  /** Named ports; `http` defaults to the port the Nest HTTP server listens on. @default {} */
  ports?: Record<string, number>;
  /** @default the module's `zone` */
  zone?: string;
  version?: string;
  /** Free key/values (`weight` is read by the weighted balancer). @default {} */
  metadata?: Record<string, string>;
}

/**
 * Options of `DiscoveryModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * DiscoveryModule.forRoot({
 *   backend: 'redis',
 *   redis: { url: process.env.LATTICE_REDIS_URL },
 *   instance: { service: 'device', ports: { grpc: 50052 }, version: '1.4.2' },
 *   zone: process.env.LATTICE_ZONE,
 * });
 * ```
 */
export interface DiscoveryModuleOptions {
  /** Where instances are registered and looked up (`LATTICE_DISCOVERY`). @default 'memory' */
  backend?: DiscoveryBackend;
  /** This instance; without it the application only discovers others. @default undefined */
  instance?: DiscoveryInstanceOptions;
  /** Lease length: a dead instance disappears this long after its last renewal. @default 15000 */
  leaseTtlMs?: number;
  /** Lease renewal interval. @default 5000 */
  renewIntervalMs?: number;
  /** The caller's zone for zone-affine balancing (`LATTICE_ZONE`). @default instance.zone */
  zone?: string;
  /** Default load-balancing options of every service. @default { strategy: 'p2c' } */
  balancer?: BalancerOptions;
  /** Adds custom balancers to this application's BalancerRegistry. @default undefined */
  balancers?: (registry: BalancerRegistry) => void;
  /** Self-preservation of the memory and Redis registries. @default { thresholdRatio: 0.5, windowMs: renewIntervalMs, minInstances: 2 } */
  selfPreservation?: SelfPreservationOptions;
  /** Redis backend: a client (not closed by the module) or a URL. @default { url: 'redis://127.0.0.1:6379' } */
  redis?: {
    client?: Redis;
    url?: string;
    /** @default 'lattice:discovery:' */
    keyPrefix?: string;
    /** @default 10000 */
    resyncIntervalMs?: number;
    /** @default 1000 */
    sweepIntervalMs?: number;
  };
  /** Memory backend: share one registry between apps of one process (all-in-one). @default a new MemoryRegistry */
  memory?: { registry?: MemoryRegistry };
  /** Static backend: instances by service. @default {} */
  static?: { services?: Record<string, StaticInstanceConfig[]> };
  /** Kubernetes backend (EndpointSlices). @default { namespace: 'default' } */
  kubernetes?: KubernetesRegistryOptions;
  /** A custom registry; overrides `backend`. Not closed by the module. @default undefined */
  registry?: ServiceRegistry;
  /** @default systemClock */
  clock?: Clock;
}
