import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { ManualClock } from '@lattice/core';
import {
  BalancerRegistry,
  ConsistentHashBalancer,
  DiscoveryDuplicateBalancerError,
  DiscoveryUnknownBalancerError,
  InstanceStats,
  LeastOutstandingBalancer,
  OutlierDetector,
  PowerOfTwoChoicesBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  WeightedBalancer,
  ZoneAffinityBalancer,
  type LoadBalancer,
  type ServiceInstance,
} from '@lattice/discovery';

const inst = (id: string, extra: Partial<ServiceInstance> = {}): ServiceInstance => ({
  service: 'svc',
  instanceId: id,
  host: 'h',
  ports: { http: 1 },
  metadata: {},
  status: 'UP',
  registeredAtMs: 0,
  ...extra,
});
const many = (n: number, prefix = 'i'): ServiceInstance[] => Array.from({ length: n }, (_, i) => inst(`${prefix}${i}`));

/** A deterministic random source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function counts(balancer: LoadBalancer, list: ServiceInstance[], picks: number): Map<string, number> {
  const result = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const id = balancer.pick(list, {})!.instanceId;
    result.set(id, (result.get(id) ?? 0) + 1);
  }
  return result;
}

describe('simple balancers', () => {
  it('round-robin visits each instance in turn', () => {
    const rr = new RoundRobinBalancer();
    const list = many(3);
    expect(Array.from({ length: 6 }, () => rr.pick(list)!.instanceId)).toEqual(['i0', 'i1', 'i2', 'i0', 'i1', 'i2']);
    expect(rr.pick([])).toBeUndefined();
  });

  it('random spreads picks over every instance', () => {
    const c = counts(new RandomBalancer(seeded(1)), many(4), 4_000);
    for (const n of c.values()) expect(n).toBeGreaterThan(800);
    expect(c.size).toBe(4);
  });

  it('weighted follows metadata weight (invalid weights count as 1)', () => {
    const list = [inst('a', { metadata: { weight: '3' } }), inst('b'), inst('c', { metadata: { weight: 'x' } })];
    const c = counts(new WeightedBalancer(seeded(2)), list, 10_000);
    expect(c.get('a')! / 10_000).toBeCloseTo(0.6, 1);
    expect(c.get('b')! / 10_000).toBeCloseTo(0.2, 1);
  });

  it('least-outstanding picks the least busy instance', () => {
    const stats = new InstanceStats();
    const list = many(3);
    stats.start('i0');
    stats.start('i0');
    stats.start('i2');
    expect(new LeastOutstandingBalancer(stats, seeded(3)).pick(list)!.instanceId).toBe('i1');
  });

  it('P2C prefers the lower latency EWMA × (outstanding + 1) of two random instances', () => {
    const clock = new ManualClock(0);
    const stats = new InstanceStats({ clock });
    const list = many(2);
    stats.start('i0');
    clock.advance(100);
    stats.end('i0', 100, true); // slow
    stats.start('i1');
    stats.end('i1', 5, true); // fast
    const p2c = new PowerOfTwoChoicesBalancer(stats, seeded(4));
    expect(counts(p2c, list, 100).get('i1')).toBe(100);
    for (let i = 0; i < 30; i++) stats.start('i1'); // now busy: 5 × 31 > 100 × 1
    expect(p2c.pick(list)!.instanceId).toBe('i0');
  });

  it('P2C sends most traffic away from a slow instance among many', () => {
    const stats = new InstanceStats();
    const list = many(10);
    for (const i of list) {
      stats.start(i.instanceId);
      stats.end(i.instanceId, i.instanceId === 'i3' ? 500 : 10, true);
    }
    const c = counts(new PowerOfTwoChoicesBalancer(stats, seeded(5)), list, 10_000);
    expect(c.get('i3') ?? 0).toBe(0); // it loses every comparison it is part of
  });

  it('the latency EWMA decays old samples with time', () => {
    const clock = new ManualClock(0);
    const stats = new InstanceStats({ clock, decayMs: 1_000 });
    stats.start('a');
    stats.end('a', 100, true);
    clock.advance(5_000);
    stats.start('a');
    stats.end('a', 10, true);
    expect(stats.latencyMs('a')).toBeLessThan(11);
    stats.start('a');
    stats.end('a', 10, false); // a failure counts at least twice the average
    expect(stats.latencyMs('a')).toBeGreaterThan(10);
  });
});

describe('BalancerRegistry', () => {
  const deps = { stats: new InstanceStats(), clock: new ManualClock(0), random: seeded(6) };

  it('resolves every built-in balancer by name', () => {
    const registry = new BalancerRegistry();
    expect(registry.names()).toEqual([
      'consistent-hash',
      'least-outstanding',
      'p2c',
      'random',
      'round-robin',
      'weighted',
    ]);
    for (const name of registry.names()) expect(registry.create(name, deps).name).toBe(name);
  });

  it('registers custom balancers per registry and rejects unknown or duplicate names', () => {
    const a = new BalancerRegistry().register('first', () => ({ name: 'first', pick: (c) => c[0] }));
    expect(a.create('first', deps).pick(many(2), {})!.instanceId).toBe('i0');
    expect(new BalancerRegistry().has('first')).toBe(false);
    expect(() => new BalancerRegistry().create('first', deps)).toThrow(DiscoveryUnknownBalancerError);
    expect(() => a.register('random', () => new RandomBalancer())).toThrow(DiscoveryDuplicateBalancerError);
  });
});

describe('ConsistentHashBalancer', () => {
  const keys = Array.from({ length: 2_000 }, (_, i) => `hub-${i}`);
  const assign = (list: ServiceInstance[]): Map<string, string> => {
    const ch = new ConsistentHashBalancer();
    return new Map(keys.map((k) => [k, ch.pick(list, { key: k })!.instanceId]));
  };

  it('is stable per key and independent of the candidates order', () => {
    const list = many(7);
    const forward = assign(list);
    const reversed = assign([...list].reverse());
    expect(reversed).toEqual(forward);
  });

  it('moves only the keys of an instance that leaves (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.nat(), (n, r) => {
        const list = many(n, `n${n}-`);
        const leaving = list[r % n]!;
        const before = assign(list);
        const after = assign(list.filter((i) => i !== leaving));
        for (const k of keys) {
          if (before.get(k) !== leaving.instanceId) expect(after.get(k)).toBe(before.get(k));
          else expect(after.get(k)).not.toBe(leaving.instanceId);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('moves about 1/(N+1) of the keys, all to the newcomer, when one joins (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.string({ minLength: 1, maxLength: 8 }), (n, name) => {
        const list = many(n, 'm');
        const joined = inst(`new-${name}`);
        const before = assign(list);
        const after = assign([...list, joined]);
        let moved = 0;
        for (const k of keys) {
          if (after.get(k) === before.get(k)) continue;
          moved++;
          expect(after.get(k)).toBe(joined.instanceId);
        }
        const expected = keys.length / (n + 1);
        expect(moved).toBeGreaterThan(expected * 0.5);
        expect(moved).toBeLessThan(expected * 1.6);
      }),
      { numRuns: 25 },
    );
  });

  it('spreads keys roughly evenly', () => {
    const c = new Map<string, number>();
    for (const owner of assign(many(10)).values()) c.set(owner, (c.get(owner) ?? 0) + 1);
    for (const n of c.values()) expect(n).toBeGreaterThan(100); // fair share is 200
  });
});

describe('ZoneAffinityBalancer', () => {
  const list = [
    inst('a1', { zone: 'a' }),
    inst('a2', { zone: 'a' }),
    inst('b1', { zone: 'b' }),
    inst('b2', { zone: 'b' }),
  ];

  it('keeps calls in the caller zone', () => {
    const stats = new InstanceStats();
    const zone = new ZoneAffinityBalancer(new RandomBalancer(seeded(7)), stats, { zone: 'a' });
    const c = counts(zone, list, 1_000);
    expect([...c.keys()].sort()).toEqual(['a1', 'a2']);
  });

  it('spills over when the zone has no candidate', () => {
    const stats = new InstanceStats();
    const zone = new ZoneAffinityBalancer(new RandomBalancer(seeded(8)), stats, { zone: 'c' });
    expect(counts(zone, list, 1_000).size).toBe(4);
    const onlyB = list.filter((i) => i.zone === 'b');
    expect(new ZoneAffinityBalancer(new RandomBalancer(), stats, { zone: 'a' }).pick(onlyB, {})!.zone).toBe('b');
  });

  it('spills over when the local zone is overloaded and not when others are as busy', () => {
    const stats = new InstanceStats();
    const zone = new ZoneAffinityBalancer(new LeastOutstandingBalancer(stats, seeded(9)), stats, {
      zone: 'a',
      overloadOutstandingPerInstance: 3,
    });
    for (let i = 0; i < 3; i++) {
      stats.start('a1');
      stats.start('a2');
    }
    expect(zone.pick(list, {})!.zone).toBe('b'); // a averages 3 in flight, b 0
    for (let i = 0; i < 3; i++) {
      stats.start('b1');
      stats.start('b2');
    }
    expect(zone.pick(list, {})!.zone).toBe('a'); // everyone equally busy: stay local
  });

  it('passes through without a caller zone', () => {
    const zone = new ZoneAffinityBalancer(new RoundRobinBalancer(), new InstanceStats());
    expect(counts(zone, list, 4).size).toBe(4);
  });
});

describe('OutlierDetector', () => {
  it('ejects after N consecutive failures for a growing back-off, reset by success', () => {
    const clock = new ManualClock(0);
    const detector = new OutlierDetector(
      { consecutiveFailures: 3, baseEjectionMs: 1_000, maxEjectionMs: 3_000 },
      clock,
    );
    const population = ['a', 'b', 'c', 'd'];
    detector.onFailure('a', population);
    detector.onFailure('a', population);
    detector.onSuccess('a');
    expect(detector.onFailure('a', population)).toBe(false);
    detector.onFailure('a', population);
    expect(detector.onFailure('a', population)).toBe(true);
    expect(detector.isEjected('a')).toBe(true);
    clock.advance(1_000);
    expect(detector.isEjected('a')).toBe(false);
    for (let i = 0; i < 3; i++) detector.onFailure('a', population);
    expect(detector.nextReturnAt()).toBe(clock.now() + 2_000); // second ejection: doubled
    clock.advance(2_000);
    for (let i = 0; i < 3; i++) detector.onFailure('a', population);
    expect(detector.nextReturnAt()).toBe(clock.now() + 3_000); // capped at max
  });

  it('never ejects more than half of the instances at once', () => {
    const detector = new OutlierDetector({ consecutiveFailures: 1 }, new ManualClock(0));
    const population = ['a', 'b', 'c', 'd', 'e'];
    expect(population.map((id) => detector.onFailure(id, population))).toEqual([true, true, false, false, false]);
    expect(detector.ejected().sort()).toEqual(['a', 'b']);
    const lone = new OutlierDetector({ consecutiveFailures: 1 }, new ManualClock(0));
    expect(lone.onFailure('only', ['only'])).toBe(false);
  });
});
