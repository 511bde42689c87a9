import { DiscoveryDuplicateBalancerError, DiscoveryUnknownBalancerError } from '../discovery.errors.js';
import { ConsistentHashBalancer } from './consistent-hash.balancer.js';
import type { BalancerDeps, BalancerFactory, LoadBalancer } from './load-balancer.interfaces.js';
import {
  LeastOutstandingBalancer,
  PowerOfTwoChoicesBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  WeightedBalancer,
} from './simple.balancers.js';

/**
 * Names of the built-in balancers.
 *
 * @example
 * ```ts
 * const strategy: BuiltInBalancerName = 'least-outstanding';
 * ```
 */
export type BuiltInBalancerName =
  'round-robin' | 'random' | 'weighted' | 'least-outstanding' | 'p2c' | 'consistent-hash';

/**
 * The balancer used when none is named.
 *
 * @example
 * ```ts
 * discovery.balancer('device', { strategy: DEFAULT_BALANCER });
 * ```
 */
export const DEFAULT_BALANCER: BuiltInBalancerName = 'p2c';

/**
 * Balancers by name. Each application (each DiscoveryModule) has its own registry, so a
 * custom balancer registered by one app does not leak into another in the same process.
 *
 * @example
 * ```ts
 * const balancers = new BalancerRegistry();
 * balancers.register('first', () => ({ name: 'first', pick: (c) => c[0] }));
 * const lb = balancers.create('first', deps);
 * ```
 */
export class BalancerRegistry {
  private readonly factories = new Map<string, BalancerFactory>([
    ['round-robin', () => new RoundRobinBalancer()],
    ['random', (d) => new RandomBalancer(d.random)],
    ['weighted', (d) => new WeightedBalancer(d.random)],
    ['least-outstanding', (d) => new LeastOutstandingBalancer(d.stats, d.random)],
    ['p2c', (d) => new PowerOfTwoChoicesBalancer(d.stats, d.random)],
    ['consistent-hash', (d) => new ConsistentHashBalancer({ random: d.random })],
  ]);

  /** Adds a balancer; throws `DiscoveryDuplicateBalancerError` if the name is taken. */
  register(name: string, factory: BalancerFactory): this {
    if (this.factories.has(name)) throw new DiscoveryDuplicateBalancerError(name);
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** A new balancer; throws `DiscoveryUnknownBalancerError` for unknown names. */
  create(name: string, deps: BalancerDeps): LoadBalancer {
    const factory = this.factories.get(name);
    if (factory === undefined) throw new DiscoveryUnknownBalancerError(name, this.names());
    return factory(deps);
  }
}
