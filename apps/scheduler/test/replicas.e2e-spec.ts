/* eslint-disable @typescript-eslint/require-await -- stand-in ports that do nothing mirror the async shape of real ones */
// Three scheduler replicas in separate processes on a real Redis. One is SIGKILLed every
// few seconds during ~10,000 firings; a local webhook receiver counts effects by their
// idempotency key (the firing id). A replica paused past its lease is fenced off.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ruleInputSchema, type Rule, type RuleInputRaw } from '@lattice-platform/scheduler';
import {
  MemoryDeviceStateStore,
  RedisRuleStore,
  RedisRunStore,
  RedisTimerStore,
  RuleEngine,
} from '@lattice-platform/scheduler/testing';
import { redisUrl } from '#test/redis.js';
import { spawnTs, type TsProcess } from '#test/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const REPLICA = fileURLToPath(new URL('./fixtures/replica.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let redis: Redis;
let receiver: WebhookReceiver;
const processes = new Set<TsProcess>();

beforeAll(async () => {
  redis = new Redis(redisUrl());
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await Promise.all([...processes].map((p) => p.kill()));
  processes.clear();
  receiver.deliveries.length = 0;
});
afterAll(async () => {
  await redis.quit();
  await receiver.close();
});

async function replica(prefix: string, env: Record<string, string> = {}): Promise<TsProcess> {
  const child = spawnTs(REPLICA, { SCHED_REDIS_URL: redisUrl(), SCHED_PREFIX: prefix, ...env });
  processes.add(child);
  await child.waitForLine(/^READY/, 30_000);
  return child;
}

/** Writes rules the way the API does (rule store + timers), without running an engine here. */
function writer(prefix: string) {
  const nothing = async (): Promise<void> => undefined;
  const engine = new RuleEngine({
    rules: new RedisRuleStore({ redis, keyPrefix: prefix }),
    runs: new RedisRunStore({ redis, keyPrefix: prefix }),
    timers: new RedisTimerStore({ redis, keyPrefix: prefix }),
    states: new MemoryDeviceStateStore(),
    devices: { sendCommand: nothing, updateDesired: nothing },
    push: { send: nothing },
    webhooks: { call: nothing },
  });
  return async (id: string, raw: Partial<RuleInputRaw>): Promise<Rule> => {
    const input = ruleInputSchema.parse({ homeId: 'h1', name: id, ...raw });
    const rule: Rule = { ...input, id, version: 1, createdMs: Date.now(), updatedMs: Date.now() };
    await engine.saveRule(rule);
    return rule;
  };
}

describe('three replicas on one Redis', () => {
  it('SIGKILL every 2 s during ~10,000 firings: 0 missed, 0 duplicated effects', async () => {
    const prefix = `test:sched:${randomUUID()}:`;
    const put = writer(prefix);
    const RULES = 100;
    const EVERY_MS = 200;
    const WINDOW_MS = 20_000;
    const replicas = await Promise.all([0, 1, 2].map(() => replica(prefix)));
    const t0 = Date.now() + 1000;
    for (let i = 0; i < RULES; i++) {
      // parallel: a late (taken-over) firing may overlap the next one on the same replica; both must run.
      await put(`r${i}`, {
        mode: 'parallel',
        max: 100,
        triggers: [{ type: 'interval', everyMs: EVERY_MS, startMs: t0, endMs: t0 + WINDOW_MS }],
        actions: [{ type: 'webhook', url: `${receiver.url}/effect` }],
      });
    }
    const expected = new Set<string>();
    for (let i = 0; i < RULES; i++) {
      for (let due = t0; due < t0 + WINDOW_MS; due += EVERY_MS) expected.add(`r${i}#0@${due}/0`);
    }

    // Every 2 s the oldest running replica is SIGKILLed and a replacement spawned (it joins
    // when ready, a few seconds later), so firings are regularly cut mid-way.
    let kills = 0;
    const starting: Promise<TsProcess>[] = [];
    const live = [...replicas];
    while (Date.now() < t0 + WINDOW_MS - 1000) {
      await sleep(2000);
      const victim = live.shift();
      if (victim === undefined) continue;
      await victim.kill(); // SIGKILL
      processes.delete(victim);
      kills++;
      const next = replica(prefix);
      starting.push(next);
      void next.then((p) => live.push(p)).catch(() => undefined);
    }
    await Promise.all(starting);
    const inWindow = (): string[] =>
      [...receiver.keys()].filter((key) => {
        const due = Number(key.slice(key.lastIndexOf('@') + 1, key.lastIndexOf('/')));
        return due < t0 + WINDOW_MS;
      });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && inWindow().length < expected.size) await sleep(200);

    const effects = new Set(inWindow());
    const missed = [...expected].filter((key) => !effects.has(key));
    const unexpected = [...effects].filter((key) => !expected.has(key));
    const redelivered = receiver.redelivered().length;
    process.stdout.write(
      `replicas: ${expected.size} firings, ${kills} SIGKILLs, ${missed.length} missed, ${unexpected.length} unexpected, ` +
        `${receiver.deliveries.length} deliveries, ${redelivered} keys redelivered after takeover (deduplicated by key)\n`,
    );
    expect(expected.size).toBe(10_000);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(missed).toEqual([]);
    // Effects are counted once per idempotency key; a key that is not on the schedule would be a
    // duplicate firing (a second advance of a timer, a firing of the repeated hour, ...).
    expect(unexpected).toEqual([]);
    expect(effects.size).toBe(expected.size);
  }, 120_000);

  it('a replica paused with SIGSTOP for twice its lease is fenced off after SIGCONT', async () => {
    const prefix = `test:sched:${randomUUID()}:`;
    const put = writer(prefix);
    const LEASE_MS = 1000;
    const arrived = receiver.hold('/block');
    const a = await replica(prefix, { SCHED_LEASE_MS: String(LEASE_MS) });
    await put('stop-me', {
      triggers: [{ type: 'at', atMs: Date.now() + 500 }],
      actions: [
        { type: 'webhook', url: `${receiver.url}/block` },
        { type: 'webhook', url: `${receiver.url}/effect` },
      ],
    });
    await arrived; // A is inside its first action
    a.child.kill('SIGSTOP');
    try {
      await replica(prefix, { SCHED_LEASE_MS: String(LEASE_MS) }); // B
      await sleep(2 * LEASE_MS);
      for (let i = 0; i < 50 && !receiver.deliveries.some((d) => d.path === '/effect'); i++) await sleep(100);
    } finally {
      a.child.kill('SIGCONT');
    }
    receiver.release(); // A's first action now completes; its next effect must be refused
    await sleep(1500);
    const effects = receiver.deliveries.filter((d) => d.path === '/effect');
    expect(effects).toHaveLength(1);
    expect(effects[0]!.key).toMatch(/^stop-me#0@\d+\/1$/);
    const runs = await new RedisRunStore({ redis, keyPrefix: prefix }).list('stop-me', 10);
    expect(runs.map((r) => r.status).sort()).toEqual(['completed', 'fenced']);
    expect(runs.find((r) => r.status === 'fenced')!.actions.map((x) => x.status)).toEqual(['ok', 'fenced']);
  }, 60_000);

  it("single across processes: a SIGKILLed replica's run blocks the rule only until its lease lapses", async () => {
    const prefix = `test:sched:${randomUUID()}:`;
    const put = writer(prefix);
    const LEASE_MS = 3000;
    const env = { SCHED_LEASE_MS: String(LEASE_MS), SCHED_MISFIRE_MS: '1000' };
    const [a, b] = await Promise.all([replica(prefix, env), replica(prefix, env)]);
    b.child.kill('SIGSTOP'); // so that A claims the first firing
    let arrived: Promise<void>;
    const t0 = Date.now() + 300;
    try {
      arrived = receiver.hold('/block');
      await put('one-at-a-time', {
        mode: 'single',
        misfirePolicy: 'skip',
        triggers: [0, 500, 2 * LEASE_MS].map((ms) => ({ type: 'at' as const, atMs: t0 + ms })),
        actions: [
          { type: 'webhook', url: `${receiver.url}/block` },
          { type: 'webhook', url: `${receiver.url}/effect` },
        ],
      });
      await arrived; // A is inside the first run
      await a.kill(); // SIGKILL: its run's registry entry stays until its lease lapses
      processes.delete(a);
    } finally {
      b.child.kill('SIGCONT');
    }
    const runs = new RedisRunStore({ redis, keyPrefix: prefix });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await runs.list('one-at-a-time', 10)).length < 3) await sleep(100);
    receiver.release();
    const history = (await runs.list('one-at-a-time', 10)).reverse();
    expect(history.map((r) => [r.trigger.index, r.status, r.reason])).toEqual([
      // B, while A's entry is live (A is dead, but its lease has not lapsed)
      [1, 'skipped', 'mode single: already running'],
      // B takes A's firing over after the lease, too late (a misfire under policy skip)
      [0, 'skipped', 'misfire: policy skip'],
      // A's entry lapsed with its lease: the rule runs again
      [2, 'completed', undefined],
    ]);
    expect(receiver.deliveries.filter((d) => d.path === '/effect').map((d) => d.key)).toEqual([
      `one-at-a-time#2@${t0 + 2 * LEASE_MS}/1`,
    ]);
  }, 60_000);
});
