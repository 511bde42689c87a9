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
 * ```
 */
export class UpstreamResolver {
  constructor(private readonly discovery: DiscoveryClient | undefined) {}

  async resolve(target: RouteTarget): Promise<Upstream> {
    if (target.kind === 'url') return { origin: target.origin, done: nothing };
    if (this.discovery === undefined) throw new GatewayUpstreamError(`lb://${target.service}`);
    const balancer = this.discovery.balancer(target.service);
    let instance;
    try {
      instance = await balancer.choose();
    } catch (error) {
      throw new GatewayUpstreamError(`lb://${target.service}`, error);
    }
    const port = instance.ports['http'] ?? Object.values(instance.ports)[0];
    const handle = balancer.begin(instance);
    const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
    return { origin: `http://${host}:${String(port)}`, done: (ok) => handle.end({ ok }) };
  }
}
