// Scheduler benchmarks: (1) memory per active timer in Redis, (2) firing lateness with 3
// replica processes at 2,000 firings/s, (3) event -> action latency in one process.
// Run: node bench/dist/scheduler.bench.js  (a child started with --replica is one replica).
// SCHED_BENCH_PARTS=memory,lateness,event picks parts (default all); SCHED_BENCH_PROFILE=<dir>
// writes a CPU profile of each replica there (node --cpu-prof).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { MemoryEventBus } from '@lattice/events';
import { ruleInputSchema, type Rule, type RuleInputRaw } from '@lattice-platform/scheduler';
import {
  HttpWebhooks,
  MemoryDeviceStateStore,
  MemoryRuleStore,
  MemoryRunStore,
  MemoryTimerStore,
  RedisDeviceStateStore,
  RedisRuleStore,
  RedisRunStore,
  RedisTimerStore,
  RuleEngine,
} from '@lattice-platform/scheduler/testing';
import { startRedis } from '../../scripts/jest/redis-server.mjs';
import { percentile, printTable, writeResult } from './harness.js';

const noop = (): Promise<void> => Promise.resolve();
const ports = {
  devices: { sendCommand: noop, updateDesired: noop },
  push: { send: noop },
};

if (process.argv.includes('--replica')) {
  const [url = '', prefix = ''] = process.argv.slice(process.argv.indexOf('--replica') + 1);
  // Auto-pipelined, as boot's shared connection is in the scheduler app.
  const redis = new Redis(url, { enableAutoPipelining: true });
  const engine = new RuleEngine({
    rules: new RedisRuleStore({ redis, keyPrefix: prefix }),
    runs: new RedisRunStore({ redis, keyPrefix: prefix }, 5),
    timers: new RedisTimerStore({ redis, keyPrefix: prefix }),
    states: new RedisDeviceStateStore({ redis, keyPrefix: prefix }),
    webhooks: new HttpWebhooks(),
    ...ports,
    pollIntervalMs: 20,
  });
  engine.start();
  process.send?.('ready');
  process.on('message', () => void engine.stop().then(() => redis.quit().then(() => process.exit(0))));
} else {
  await main();
}

function rule(id: string, raw: Partial<RuleInputRaw>): Rule {
  const input = ruleInputSchema.parse({ homeId: 'h1', name: id, actions: [{ type: 'push', title: 'x' }], ...raw });
  return { ...input, id, version: 1, createdMs: Date.now(), updatedMs: Date.now() };
}

async function main(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const parts = (process.env['SCHED_BENCH_PARTS'] ?? 'memory,lateness,event').split(',');
  try {
    const memory = parts.includes('memory') ? await timersMemory(redis) : undefined;
    const lateness = parts.includes('lateness') ? await firingLateness(server.url, redis) : undefined;
    const event = parts.includes('event') ? await eventToAction() : undefined;
    if (memory) printTable('scheduler: timers memory (Redis)', [memory]);
    if (lateness) printTable('scheduler: firing lateness, 3 replica processes', [lateness]);
    if (event) printTable('scheduler: event -> action, one process (memory bus and stores)', [event]);
    if (memory && lateness && event) {
      const file = writeResult('scheduler', {
        setup: {
          timers: memory.timers,
          lateness: { replicas: 3, rules: lateness.rules, everyMs: lateness.everyMs, durationMs: lateness.durationMs },
          events: event.events,
        },
        figures: { memory, lateness, event },
      });
      process.stdout.write(`\nwrote ${file}\n`);
    }
  } finally {
    await redis.quit();
    await server.stop();
  }
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** Calls per Redis command so far (`INFO commandstats`), e.g. `{ evalsha: 120, zadd: 4 }`. */
async function redisCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** Redis calls per firing between two snapshots (commands run by scripts count too), the 8 largest. */
function callsPerFiring(before: Map<string, number>, after: Map<string, number>, firings: number): string {
  return [...after]
    .map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / firings] as const)
    .filter(([, perFiring]) => perFiring >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, perFiring]) => `${name}=${perFiring.toFixed(2)}`)
    .join(' ');
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** 1,000,000 pending timers (keys like the engine's `r-<uuid>#0`), bytes per timer in Redis. */
async function timersMemory(redis: Redis) {
  const TIMERS = 1_000_000;
  const timers = new RedisTimerStore({ redis, keyPrefix: 'bench:mem:' });
  const before = await usedMemory(redis);
  const base = Date.now() + 86_400_000;
  for (let i = 0; i < TIMERS; i += 10_000) {
    const batch = redis.pipeline();
    for (let j = i; j < i + 10_000; j++) {
      batch.zadd(
        'bench:mem:timers:due',
        base + j,
        `r-${j.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000#0`,
      );
    }
    await batch.exec();
  }
  const after = await usedMemory(redis);
  const size = await timers.size();
  // Replicas hold no per-timer state (only firings in progress), so Redis is the whole cost.
  const bytes = after - before;
  await redis.del('bench:mem:timers:due');
  return {
    timers: size,
    redisBytes: bytes,
    bytesPerTimer: Math.round(bytes / size),
    projectedGiBFor1M: Number(((bytes / size) * 1_000_000) / 2 ** 30).toFixed(3),
  };
}

/**
 * 3 replica processes; 400 interval rules every 200 ms = 2,000 firings/s for 10 s measured
 * after a 2 s warm-up; lateness at a webhook receiver. The warm-up (fresh processes: JIT,
 * first connections to Redis and the receiver) is reported on its own line, not hidden.
 */
async function firingLateness(url: string, redis: Redis) {
  // 400 rules every 200 ms = 2,000 firings/s; SCHED_BENCH_RULES changes the rate.
  const RULES = Number(process.env['SCHED_BENCH_RULES'] ?? 400);
  const EVERY_MS = 200;
  const DURATION_MS = 10_000;
  const WARMUP_MS = 2000;
  const prefix = 'bench:late:';
  const lateness: number[] = [];
  const warmup: number[] = [];
  const receiver = createServer((req, res) => {
    const at = Date.now();
    const key = String(req.headers['x-lattice-idempotency-key'] ?? '');
    const due = Number(key.slice(key.lastIndexOf('@') + 1, key.lastIndexOf('/')));
    (due < measureFrom ? warmup : lateness).push(at - due);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const self = fileURLToPath(import.meta.url);
  const profileDir = process.env['SCHED_BENCH_PROFILE'];
  const execArgv = [
    ...process.execArgv,
    ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
  ];
  const replicas = [0, 1, 2].map(() => fork(self, ['--replica', url, prefix], { stdio: 'inherit', execArgv }));
  await Promise.all(replicas.map((r) => new Promise((ok) => r.once('message', ok))));
  const writer = new RuleEngine({
    rules: new RedisRuleStore({ redis, keyPrefix: prefix }),
    runs: new RedisRunStore({ redis, keyPrefix: prefix }),
    timers: new RedisTimerStore({ redis, keyPrefix: prefix }),
    states: new MemoryDeviceStateStore(),
    webhooks: { call: noop },
    ...ports,
  });
  const start = Date.now() + 2000;
  const measureFrom = start + WARMUP_MS;
  for (let i = 0; i < RULES; i++) {
    await writer.saveRule(
      rule(`r${i}`, {
        // The cap counts runs on every replica; 100 keeps an overloaded run measuring lateness, not the cap.
        mode: 'parallel',
        max: 100,
        triggers: [
          { type: 'interval', everyMs: EVERY_MS, startMs: start + (i % EVERY_MS), endMs: measureFrom + DURATION_MS },
        ],
        actions: [{ type: 'webhook', url: hook }],
      }),
    );
  }
  // Wait for the schedule to end and its backlog to drain (bounded).
  const expected = (RULES * DURATION_MS) / EVERY_MS;
  await sleep(measureFrom - Date.now());
  // Where the time goes: CPU of the replicas and of redis-server per firing in the measured window.
  const cpuBefore = replicas.reduce((n, r) => n + cpuMs(r.pid!), 0);
  const benchBefore = process.cpuUsage();
  const redisBefore = await redisCpuMs(redis);
  const callsBefore = await redisCalls(redis);
  await sleep(measureFrom + DURATION_MS - Date.now());
  const replicaCpuMs = replicas.reduce((n, r) => n + cpuMs(r.pid!), 0) - cpuBefore;
  const benchCpu = process.cpuUsage(benchBefore);
  const redisCpu = (await redisCpuMs(redis)) - redisBefore;
  const redisCallsPerFiring = callsPerFiring(callsBefore, await redisCalls(redis), expected);
  await sleep(1000);
  for (let i = 0; i < 100 && lateness.length < expected; i++) await sleep(100);
  await Promise.all(replicas.map((r) => new Promise((ok) => (r.once('exit', ok), r.send('stop')))));
  await new Promise<void>((r) => receiver.close(() => r()));
  const sorted = [...lateness].sort((a, b) => a - b);
  const cold = [...warmup].sort((a, b) => a - b);
  return {
    rules: RULES,
    everyMs: EVERY_MS,
    durationMs: DURATION_MS,
    firings: sorted.length,
    expected,
    ratePerSec: Math.round(sorted.length / (DURATION_MS / 1000)),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? 0,
    replicaCpuMicrosPerFiring: Math.round((replicaCpuMs * 1000) / expected),
    redisCpuMicrosPerFiring: Math.round((redisCpu * 1000) / expected),
    // The webhook receiver (this process) competes for the same cores.
    receiverCpuMicrosPerFiring: Math.round((benchCpu.user + benchCpu.system) / expected),
    redisCallsPerFiring,
    warmupFirings: cold.length,
    warmupP99Ms: percentile(cold, 99),
  };
}

/** Device events on the in-process bus -> device_event trigger -> action, 5,000 events. */
async function eventToAction() {
  const EVENTS = 5000;
  const bus = new MemoryEventBus();
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const engine = new RuleEngine({
    rules: new MemoryRuleStore(),
    runs: new MemoryRunStore(5),
    timers: new MemoryTimerStore(),
    states: new MemoryDeviceStateStore(),
    webhooks: { call: noop },
    devices: {
      sendCommand: (command) => {
        const seq = command.commandId.slice(command.commandId.indexOf('#e:') + 3, command.commandId.lastIndexOf('@'));
        latencies.push(performance.now() - (sentAt.get(seq) ?? Number.NaN));
        return Promise.resolve();
      },
      updateDesired: noop,
    },
    push: { send: noop },
    pollIntervalMs: 1000,
  });
  for (let i = 0; i < 20; i++) {
    await engine.saveRule(
      rule(`e${i}`, {
        mode: 'parallel',
        triggers: [
          { type: 'device_event', deviceId: `d${i}`, where: [{ attribute: 'pressed', op: 'eq', value: true }] },
        ],
        actions: [{ type: 'device_command', deviceId: 'lamp', method: 'toggle' }],
      }),
    );
  }
  engine.start();
  const subscription = bus.subscribe('scheduler-rules', 'bench', (event) => engine.handleEvent(event), {
    types: ['device.*'],
  });
  for (let i = 0; i < EVENTS; i++) {
    const t = performance.now();
    const id = await bus.publish({
      type: 'device.event',
      tsMs: Date.now(),
      homeId: 'h1',
      deviceId: `d${i % 20}`,
      data: { pressed: true },
    });
    sentAt.set(id, t);
    if (i % 50 === 49) await sleep(5); // ~10,000 events/s offered, in bursts of 50
  }
  for (let i = 0; i < 100 && latencies.length < EVENTS; i++) await sleep(20);
  await subscription.close();
  await engine.stop();
  await bus.close();
  const sorted = latencies.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    events: EVENTS,
    actions: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? 0,
  };
}
