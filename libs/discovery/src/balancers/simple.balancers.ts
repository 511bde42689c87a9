import type { ServiceInstance } from '../instance/service-instance.js';
import type { LoadBalancer } from './load-balancer.interfaces.js';
import type { InstanceStats } from './instance-stats.js';

/**
 * Each candidate in turn.
 *
 * @example
 * ```ts
 * const rr = new RoundRobinBalancer();
 * rr.pick(instances, {}); // instances[0], then [1], ...
 * ```
 */
export class RoundRobinBalancer implements LoadBalancer {
  readonly name = 'round-robin';
  private next = 0;

  pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    if (candidates.length === 0) return undefined;
    const index = this.next % candidates.length;
    this.next = (index + 1) % Number.MAX_SAFE_INTEGER;
    return candidates[index];
  }
}

/**
 * A uniformly random candidate.
 *
 * @example
 * ```ts
 * new RandomBalancer().pick(instances, {});
 * ```
 */
export class RandomBalancer implements LoadBalancer {
  readonly name = 'random';
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    return candidates[Math.floor(this.random() * candidates.length)];
  }
}

/** The weight of an instance: `metadata.weight` when a positive finite number, else 1. */
export function instanceWeight(instance: ServiceInstance): number {
  const raw = instance.metadata['weight'];
  if (raw === undefined) return 1;
  const weight = Number(raw);
  return Number.isFinite(weight) && weight > 0 ? weight : 1;
}

/**
 * A random candidate with probability proportional to `metadata.weight` (default 1).
 *
 * @example
 * ```ts
 * // metadata { weight: '3' } gets three times the traffic of an instance without weight
 * new WeightedBalancer().pick(instances, {});
 * ```
 */
export class WeightedBalancer implements LoadBalancer {
  readonly name = 'weighted';
  private cachedFor: readonly ServiceInstance[] | undefined;
  private cumulative: number[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    if (candidates.length <= 1) return candidates[0];
    if (candidates !== this.cachedFor) {
      let total = 0;
      this.cumulative = candidates.map((c) => (total += instanceWeight(c)));
      this.cachedFor = candidates;
    }
    const target = this.random() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return candidates[lo];
  }
}

/**
 * The candidate with the fewest requests in flight (ties broken by a random starting point).
 *
 * @example
 * ```ts
 * new LeastOutstandingBalancer(stats).pick(instances, {});
 * ```
 */
export class LeastOutstandingBalancer implements LoadBalancer {
  readonly name = 'least-outstanding';
  constructor(
    private readonly stats: InstanceStats,
    private readonly random: () => number = Math.random,
  ) {}

  pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    // Scanning from a random start and keeping the first minimum spreads ties without
    // drawing a random number per candidate.
    const offset = Math.floor(this.random() * n);
    let best: ServiceInstance | undefined;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const candidate = candidates[(offset + k) % n]!;
      const load = this.stats.outstanding(candidate.instanceId);
      if (load < bestLoad) {
        best = candidate;
        bestLoad = load;
        if (load === 0) break;
      }
    }
    return best;
  }
}

/**
 * Power of two choices: two distinct random candidates, the one with the lower
 * latency EWMA × (outstanding + 1) wins. The default balancer: near-best choices at O(1).
 *
 * @example
 * ```ts
 * const p2c = new PowerOfTwoChoicesBalancer(stats);
 * const instance = p2c.pick(instances, {});
 * ```
 */
export class PowerOfTwoChoicesBalancer implements LoadBalancer {
  readonly name = 'p2c';
  constructor(
    private readonly stats: InstanceStats,
    private readonly random: () => number = Math.random,
  ) {}

  pick(candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    return this.stats.cost(a.instanceId) <= this.stats.cost(b.instanceId) ? a : b;
  }
}
