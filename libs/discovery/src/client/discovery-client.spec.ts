import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import { MetricsRegistry } from '@lattice/telemetry';
import {
  DiscoveryClient,
  DiscoveryNoInstancesError,
  DiscoveryUnknownBalancerError,
  MemoryRegistry,
  type DiscoveryEvent,
  type InstanceDescriptor,
} from '@lattice/discovery';

const lease = { leaseTtlMs: 60_000 };
const d = (id: string, extra: Partial<InstanceDescriptor> = {}): InstanceDescriptor => ({
  service: 'device',
  instanceId: id,
  host: '127.0.0.1',
  ports: { grpc: 50052 },
  ...extra,
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DiscoveryClient', () => {
  let clock: ManualClock;
  let registry: MemoryRegistry;
  let client: DiscoveryClient;
  let metrics: MetricsRegistry;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    registry = new MemoryRegistry({ clock, sweepIntervalMs: 0 });
    metrics = new MetricsRegistry({ processMetrics: false });
    client = new DiscoveryClient(registry, { clock, metrics });
  });
  afterEach(async () => {
    await client.close();
    await registry.close();
  });

  it('returns UP instances by default and every instance on request', async () => {
    await registry.register(d('a'), lease);
    await registry.register(d('b', { status: 'OUT_OF_SERVICE' }), lease);
    expect((await client.getInstances('device')).map((i) => i.instanceId)).toEqual(['a']);
    expect((await client.getInstances('device', { includeAll: true })).map((i) => i.instanceId)).toEqual(['a', 'b']);
    expect(await metrics.render()).toContain('lattice_discovery_instances{service="device"} 1');
  });

  it('keeps the cache current through the registry watch', async () => {
    await client.getInstances('device');
    const events: DiscoveryEvent[] = [];
    client.watch('device', (e) => events.push(e));
    await registry.register(d('a'), lease);
    await tick();
    expect((await client.getInstances('device')).map((i) => i.instanceId)).toEqual(['a']);
    await registry.setStatus('device', 'a', 'OUT_OF_SERVICE');
    await tick();
    expect(await client.getInstances('device')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ service: 'device', up: [], stale: false, selfPreservation: false });
    expect(events.at(-1)!.instances).toHaveLength(1);
  });

  it('reports self-preservation in health and metrics', async () => {
    for (const id of ['a', 'b', 'c']) await registry.register(d(id), { leaseTtlMs: 1_000 });
    await client.getInstances('device');
    clock.advance(1_500);
    await registry.sweep();
    await tick();
    expect(client.health()).toMatchObject({ status: 'degraded', selfPreservation: ['device'], stale: [] });
    expect(await client.getInstances('device')).toHaveLength(3); // the last known set is kept
    expect(await metrics.render()).toContain('lattice_discovery_self_preservation{service="device"} 1');
  });

  describe('balancer', () => {
    it('picks only UP instances and fails with DISCOVERY_NO_INSTANCES when none is', async () => {
      await registry.register(d('a', { status: 'STARTING' }), lease);
      const balancer = client.balancer('device');
      const error = await balancer.choose().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryNoInstancesError);
      expect((error as DiscoveryNoInstancesError).data).toEqual({ service: 'device', known: 1 });
      await registry.setStatus('device', 'a', 'UP');
      await tick();
      expect((await balancer.choose()).instanceId).toBe('a');
    });

    it('returns the same balancer for the same options and rejects unknown strategies', () => {
      expect(client.balancer('device')).toBe(client.balancer('device'));
      expect(client.balancer('device', { strategy: 'random' })).not.toBe(client.balancer('device'));
      expect(() => client.balancer('device', { strategy: 'nope' })).toThrow(DiscoveryUnknownBalancerError);
    });

    it('ejects an instance after consecutive failures, at most half of them, and lets it back after the back-off', async () => {
      for (const id of ['a', 'b', 'c', 'd']) await registry.register(d(id), lease);
      const balancer = client.balancer('device', {
        strategy: 'round-robin',
        outlierEjection: { consecutiveFailures: 2, baseEjectionMs: 1_000 },
      });
      await balancer.choose();
      const fail = (id: string): void => {
        const instance = balancer.currentCandidates().find((i) => i.instanceId === id)!;
        balancer.begin(instance).end({ ok: false });
      };
      for (const id of ['a', 'a', 'b', 'b', 'c', 'c']) fail(id);
      expect(balancer.ejected().sort()).toEqual(['a', 'b']); // c would exceed 50%
      expect(balancer.currentCandidates().map((i) => i.instanceId)).toEqual(['c', 'd']);
      expect(await metrics.render()).toContain('lattice_discovery_ejections_total{service="device"} 2');
      clock.advance(1_000);
      expect(balancer.currentCandidates().map((i) => i.instanceId)).toEqual(['a', 'b', 'c', 'd']);
    });

    it('execute records outcomes: a throw counts as a failure', async () => {
      await registry.register(d('a'), lease);
      await registry.register(d('b'), lease);
      const balancer = client.balancer('device', {
        strategy: 'round-robin',
        outlierEjection: { consecutiveFailures: 1 },
      });
      await expect(balancer.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(balancer.ejected()).toEqual(['a']);
      await expect(balancer.execute((i) => Promise.resolve(i.instanceId))).resolves.toBe('b');
    });

    it('prefers the client zone and spills over when the zone has no UP instance', async () => {
      const zoned = new DiscoveryClient(registry, { clock, zone: 'z1' });
      await registry.register(d('a', { zone: 'z1' }), lease);
      await registry.register(d('b', { zone: 'z2' }), lease);
      const balancer = zoned.balancer('device', { strategy: 'round-robin' });
      const picks = new Set<string>();
      for (let i = 0; i < 10; i++) picks.add((await balancer.choose()).instanceId);
      expect([...picks]).toEqual(['a']);
      await registry.setStatus('device', 'a', 'OUT_OF_SERVICE');
      await tick();
      expect((await balancer.choose()).instanceId).toBe('b');
      await zoned.close();
    });

    it('routes a key consistently with consistent hashing', async () => {
      for (const id of ['a', 'b', 'c']) await registry.register(d(id), lease);
      const balancer = client.balancer('device', { strategy: 'consistent-hash' });
      const first = (await balancer.choose({ key: 'hub-1' })).instanceId;
      for (let i = 0; i < 5; i++) expect((await balancer.choose({ key: 'hub-1' })).instanceId).toBe(first);
    });
  });
});
