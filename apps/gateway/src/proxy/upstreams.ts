import type { DiscoveryClient } from '@lattice/discovery';
import { GatewayUpstreamError } from '../gateway.errors.js';
import type { RouteTarget } from '../routes/route-table.js';

/** An upstream chosen for one attempt; `done` feeds the balancer's statistics. */
export interface Upstream {
  readonly origin: string;
  done(ok: boolean): void;
}

const nothing = (): void => undefined;

/**
 * Turns route targets into origins: `lb://<service>` through discovery (P2C and zone
 * affinity by default; outcomes recorded for latency and outlier ejection), URLs as they are.
 *
 * @example
 * ```ts
 * const upstream = await upstreams.resolve({ kind: 'lb', service: 'device' });
 * upstream.done(true); // after the attempt: feeds the balancer
 * ```
 */
export class UpstreamResolver {
  /** URL targets resolve to themselves: one object per target, handed out without a promise. */
  private readonly fixed = new WeakMap<RouteTarget, Upstream>();

  constructor(private readonly discovery: DiscoveryClient | undefined) {}

  /** The upstream for one attempt: synchronous for URL targets, a promise for discovery. */
  resolve(target: RouteTarget): Upstream | Promise<Upstream> {
    if (target.kind !== 'url') return this.discover(target.service);
    let upstream = this.fixed.get(target);
    if (upstream === undefined) {
      upstream = { origin: target.origin, done: nothing };
      this.fixed.set(target, upstream);
    }
    return upstream;
  }

  private async discover(service: string): Promise<Upstream> {
    if (this.discovery === undefined) throw new GatewayUpstreamError(`lb://${service}`);
    const balancer = this.discovery.balancer(service);
    let instance;
    try {
      instance = await balancer.choose();
    } catch (error) {
      throw new GatewayUpstreamError(`lb://${service}`, error);
    }
    const port = instance.ports['http'] ?? Object.values(instance.ports)[0];
    const handle = balancer.begin(instance);
    const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
    return { origin: `http://${host}:${String(port)}`, done: (ok) => handle.end({ ok }) };
  }
}
