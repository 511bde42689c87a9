// The cost of one load-balancer pick among 100 UP instances: each strategy on its own, and
// the full ServiceBalancer.pick path (candidate cache, outlier check, strategy). Target:
// median ≤ 1 µs for P2C and consistent hashing.
import {
  BalancerRegistry,
  DiscoveryClient,
  InstanceStats,
  MemoryRegistry,
  type LoadBalancer,
  type ServiceInstance,
} from '@lattice/discovery';
import { systemClock } from '@lattice/core';
import { percentile, printTable, writeResult } from './harness.js';

const INSTANCES = 100;
const BATCH = 10_000;
const BATCHES = 200;

const instances: ServiceInstance[] = Array.from({ length: INSTANCES }, (_, i) => ({
  service: 'bench',
  instanceId: `bench-${i.toString().padStart(3, '0')}`,
  host: `10.0.${i >> 8}.${i & 255}`,
  ports: { http: 8080 },
  zone: i % 3 === 0 ? 'a' : 'b',
  metadata: { weight: String(1 + (i % 4)) },
  status: 'UP',
  registeredAtMs: 0,
}));
const keys = Array.from({ length: 4_096 }, (_, i) => `hub-${i}`);

function measure(name: string, pick: (i: number) => unknown): Record<string, unknown> {
  let sink = 0;
  for (let i = 0; i < 50_000; i++) sink ^= pick(i) === undefined ? 1 : 0; // warm-up
  const perPickNs: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) sink ^= pick(i) === undefined ? 1 : 0;
    perPickNs.push(Number(process.hrtime.bigint() - start) / BATCH);
  }
  if (sink === 42) process.stdout.write(''); // keep the picks observable
  return { case: name, medianNs: percentile(perPickNs, 50), p99Ns: percentile(perPickNs, 99) };
}

const stats = new InstanceStats();
for (const [i, instance] of instances.entries()) {
  stats.start(instance.instanceId);
  stats.end(instance.instanceId, 5 + (i % 17), true);
}
const balancers = new BalancerRegistry();
const make = (name: string): LoadBalancer => balancers.create(name, { stats, clock: systemClock, random: Math.random });

const rows = [
  ...['p2c', 'consistent-hash', 'round-robin', 'random', 'weighted', 'least-outstanding'].map((name) => {
    const balancer = make(name);
    return measure(name, (i) => balancer.pick(instances, { key: keys[i & 4095]! }));
  }),
];

const registry = new MemoryRegistry({ sweepIntervalMs: 0 });
for (const i of instances) await registry.register(i, { leaseTtlMs: 600_000 });
const client = new DiscoveryClient(registry);
const p2c = client.balancer('bench');
const hashed = client.balancer('bench', { strategy: 'consistent-hash' });
await p2c.choose();
await hashed.choose();
rows.push(measure('ServiceBalancer.pick (p2c)', () => p2c.pick()));
rows.push(measure('ServiceBalancer.pick (consistent-hash)', (i) => hashed.pick({ key: keys[i & 4095]! })));
const zoned = new DiscoveryClient(registry, { zone: 'a' }).balancer('bench');
await zoned.choose();
rows.push(measure('ServiceBalancer.pick (zone-affinity p2c)', () => zoned.pick()));
await client.close();
await registry.close();

printTable(
  `one pick among ${INSTANCES} UP instances (${BATCHES} batches × ${BATCH.toLocaleString('en-US')} picks)`,
  rows,
);
const file = writeResult('discovery-pick', {
  setup: { instances: INSTANCES, batch: BATCH, batches: BATCHES, keys: keys.length },
  figures: Object.fromEntries(rows.map((r) => [r['case'] as string, { medianNs: r['medianNs'], p99Ns: r['p99Ns'] }])),
});
process.stdout.write(`\nwritten ${file}\n`);
