import type { Clock } from '@lattice/core';
import type { ServiceInstance } from '../instance/service-instance.js';
import type { InstanceStats } from './instance-stats.js';

/**
 * What a pick may depend on besides the candidates.
 *
 * @example
 * ```ts
 * await balancer.choose({ key: hubId } satisfies PickContext);
 * ```
 */
export interface PickContext {
  /** Routing key for key-affine balancers (consistent hashing), e.g. a hub id. */
  readonly key?: string;
}

/**
 * A load-balancing strategy: picks one of the candidates (already filtered to UP,
 * non-ejected instances). Implementations keep per-list caches by array identity, so
 * callers should pass the same array while the set is unchanged.
 *
 * @example
 * ```ts
 * class FirstBalancer implements LoadBalancer {
 *   readonly name = 'first';
 *   pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
 *     return candidates[0];
 *   }
 * }
 * balancers.register('first', () => new FirstBalancer());
 * ```
 */
export interface LoadBalancer {
  readonly name: string;
  pick(candidates: readonly ServiceInstance[], context: PickContext): ServiceInstance | undefined;
}

/**
 * What a balancer factory receives: shared call statistics, time and randomness.
 *
 * @example
 * ```ts
 * balancers.register('least-latency', ({ stats }: BalancerDeps) => new LeastLatency(stats));
 * ```
 */
export interface BalancerDeps {
  /** Outstanding requests and latency EWMA per instance of the service. */
  readonly stats: InstanceStats;
  readonly clock: Clock;
  /** A uniform random number in [0, 1). @default Math.random */
  readonly random: () => number;
}

/**
 * Builds a balancer for one service.
 *
 * @example
 * ```ts
 * const factory: BalancerFactory = ({ random }) => new RandomBalancer(random);
 * ```
 */
export type BalancerFactory = (deps: BalancerDeps) => LoadBalancer;
