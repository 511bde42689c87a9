import type { ServiceInstance } from '../instance/service-instance.js';
import type { LoadBalancer, PickContext } from './load-balancer.interfaces.js';

/**
 * Options of {@link ConsistentHashBalancer}.
 *
 * @example
 * ```ts
 * new ConsistentHashBalancer({ virtualNodes: 320 });
 * ```
 */
export interface ConsistentHashOptions {
  /** Points per instance on the ring; more points spread keys more evenly. @default 160 */
  virtualNodes?: number;
  /** Used for picks without a key. @default Math.random */
  random?: () => number;
}

/** 32-bit FNV-1a with murmur3's finaliser (good avalanche, no allocation). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Consistent hashing on a ring with virtual nodes: the same key goes to the same instance
 * while it is there; when an instance leaves only its keys move, and a newcomer takes
 * about 1/(N+1) of the keys. For hub-affine routing (`key: hubId`). Picks without a key
 * are random. The ring depends only on the instance ids, so every client agrees.
 *
 * @example
 * ```ts
 * const ch = new ConsistentHashBalancer();
 * ch.pick(instances, { key: 'hub-42' }); // stable for hub-42
 * ```
 */
export class ConsistentHashBalancer implements LoadBalancer {
  readonly name = 'consistent-hash';
  private readonly virtualNodes: number;
  private readonly random: () => number;
  private ringFor: readonly ServiceInstance[] | undefined;
  private ringIds = '';
  private points = new Uint32Array(0);
  private owners: number[] = [];

  constructor(options: ConsistentHashOptions = {}) {
    this.virtualNodes = Math.max(1, Math.floor(options.virtualNodes ?? 160));
    this.random = options.random ?? Math.random;
  }

  pick(candidates: readonly ServiceInstance[], context: PickContext): ServiceInstance | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    if (context.key === undefined) return candidates[Math.floor(this.random() * n)];
    if (candidates !== this.ringFor) this.rebuild(candidates);
    const h = hash32(context.key);
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return candidates[this.owners[lo === points.length ? 0 : lo]!];
  }

  private rebuild(candidates: readonly ServiceInstance[]): void {
    this.ringFor = candidates;
    const ids = candidates.map((c) => c.instanceId).join('\n');
    if (ids === this.ringIds) return; // same instances in a new array: indexes still match
    this.ringIds = ids;
    const entries: { hash: number; id: string; index: number }[] = [];
    candidates.forEach((c, index) => {
      for (let v = 0; v < this.virtualNodes; v++)
        entries.push({ hash: hash32(`${c.instanceId}#${v}`), id: c.instanceId, index });
    });
    // Ties on the hash are settled by id, so the ring does not depend on the candidates' order.
    entries.sort((a, b) => a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.points = Uint32Array.from(entries, (e) => e.hash);
    this.owners = entries.map((e) => e.index);
  }
}
