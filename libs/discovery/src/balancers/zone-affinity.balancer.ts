import type { ServiceInstance } from '../instance/service-instance.js';
import type { InstanceStats } from './instance-stats.js';
import type { LoadBalancer, PickContext } from './load-balancer.interfaces.js';

/**
 * Options of {@link ZoneAffinityBalancer}.
 *
 * @example
 * ```ts
 * new ZoneAffinityBalancer(inner, stats, { zone: 'a', overloadOutstandingPerInstance: 20 });
 * ```
 */
export interface ZoneAffinityOptions {
  /** The caller's zone; without one the wrapper passes every candidate through. */
  zone?: string;
  /**
   * The local zone counts as overloaded (and calls spill over to all zones) when its
   * instances average at least this many requests in flight and the other zones average fewer.
   * @default 10
   */
  overloadOutstandingPerInstance?: number;
}

/**
 * Prefers instances in the caller's zone and hands the choice among them to the inner
 * balancer. Spills over to every zone when the local zone has no candidate (none UP, or
 * all ejected) or is overloaded.
 *
 * @example
 * ```ts
 * const balancer = new ZoneAffinityBalancer(new PowerOfTwoChoicesBalancer(stats), stats, { zone: 'eu-west-1a' });
 * ```
 */
export class ZoneAffinityBalancer implements LoadBalancer {
  readonly name: string;
  private readonly zone: string | undefined;
  private readonly overload: number;
  private cachedFor: readonly ServiceInstance[] | undefined;
  private local: readonly ServiceInstance[] = [];
  private remote: readonly ServiceInstance[] = [];

  constructor(
    private readonly inner: LoadBalancer,
    private readonly stats: InstanceStats,
    options: ZoneAffinityOptions = {},
  ) {
    this.name = `zone-affinity(${inner.name})`;
    this.zone = options.zone;
    this.overload = options.overloadOutstandingPerInstance ?? 10;
  }

  pick(candidates: readonly ServiceInstance[], context: PickContext): ServiceInstance | undefined {
    if (this.zone === undefined) return this.inner.pick(candidates, context);
    if (candidates !== this.cachedFor) {
      this.cachedFor = candidates;
      this.local = candidates.filter((c) => c.zone === this.zone);
      this.remote = candidates.filter((c) => c.zone !== this.zone);
    }
    if (this.local.length === 0 || this.isOverloaded()) return this.inner.pick(candidates, context);
    return this.inner.pick(this.local, context);
  }

  private isOverloaded(): boolean {
    if (this.remote.length === 0) return false;
    const localLoad = this.averageOutstanding(this.local);
    return localLoad >= this.overload && this.averageOutstanding(this.remote) < localLoad;
  }

  private averageOutstanding(instances: readonly ServiceInstance[]): number {
    let total = 0;
    for (const i of instances) total += this.stats.outstanding(i.instanceId);
    return total / instances.length;
  }
}
