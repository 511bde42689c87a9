/* eslint-disable @typescript-eslint/require-await -- the recording ports mirror the async shape of real ones */
// Rule modes hold across replicas: two RuleEngine instances (two replicas) share one Redis
// (timers, rules, runs and the run registry) and one fake clock; each test decides which
// replica claims which firing, so overlapping runs of one rule are split between them.
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ManualClock } from '@lattice/core';
import { ruleInputSchema, type Rule, type RuleInputRaw, type RuleRun } from '@lattice-platform/scheduler';
import {
  MemoryDeviceStateStore,
  RedisRuleStore,
  RedisRunRegistry,
  RedisRunStore,
  RedisTimerStore,
  RuleEngine,
  type PushRequest,
} from '@lattice-platform/scheduler/testing';
import { redisUrl } from '#test/redis.js';

const START = Date.parse('2026-06-01T00:00:00Z');
const LEASE_MS = 3000;
const CHECK_MS = 500;
const redis = new Redis(redisUrl());
afterAll(async () => {
  await redis.quit();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (real time) until `check` holds: the engines talk to Redis between fake-clock steps. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Push {
  readonly replica: string;
  readonly atMs: number;
  readonly key: string;
}

function cluster(options: { clocks?: [ManualClock, ManualClock]; misfireThresholdMs?: number } = {}) {
  const prefix = `test:scheduler:modes:${randomUUID()}:`;
  const shared = { clock: new ManualClock(START) };
  const [clockA, clockB] = options.clocks ?? [shared.clock, shared.clock];
  const pushes: Push[] = [];
  const runs: (RuleRun & { replica: string })[] = [];
  const engine = (replica: string, clock: ManualClock, explicitRegistry: boolean) =>
    new RuleEngine({
      rules: new RedisRuleStore({ redis, keyPrefix: prefix }),
      runs: new RedisRunStore({ redis, keyPrefix: prefix }),
      timers: new RedisTimerStore({ redis, keyPrefix: prefix }),
      // One replica relies on the default (a Redis registry on the timer store's connection and prefix).
      ...(explicitRegistry ? { registry: new RedisRunRegistry({ redis, keyPrefix: prefix }) } : {}),
      states: new MemoryDeviceStateStore(),
      devices: { sendCommand: async () => undefined, updateDesired: async () => undefined },
      webhooks: { call: async () => undefined },
      push: {
        send: async (request: PushRequest) => {
          pushes.push({ replica, atMs: clock.now() - START, key: request.idempotencyKey });
        },
      },
      clock,
      leaseMs: LEASE_MS,
      runCheckIntervalMs: CHECK_MS,
      pollIntervalMs: 100,
      misfireThresholdMs: options.misfireThresholdMs ?? 60_000,
      onRun: (run) => runs.push({ ...run, replica }),
    });
  const a = engine('A', clockA, false);
  const b = engine('B', clockB, true);
  const registry = new RedisRunRegistry({ redis, keyPrefix: prefix });
  const add = async (raw: Partial<RuleInputRaw>): Promise<Rule> => {
    const input = ruleInputSchema.parse({ homeId: 'h1', name: 'modes', ...raw });
    const rule: Rule = { ...input, id: `r-${randomUUID()}`, version: 1, createdMs: START, updatedMs: START };
    await a.saveRule(rule);
    return rule;
  };
  return { a, b, clockA, clockB, pushes, runs, registry, add };
}

/** Three firings one second apart; each run takes 2.5 s (a delay, then a push). */
const overlapping = (mode: Rule['mode'], max?: number): Partial<RuleInputRaw> => ({
  mode,
  ...(max === undefined ? {} : { max }),
  triggers: [1000, 2000, 3000].map((ms) => ({ type: 'at' as const, atMs: START + ms })),
  actions: [
    { type: 'delay', ms: 2500 },
    { type: 'push', title: 'done' },
  ],
});

/** Moves the shared clock to `ms` after START in 100 ms steps, letting Redis answer between steps. */
async function stepTo(clock: ManualClock, ms: number, settleMs = 15): Promise<void> {
  while (clock.now() < START + ms) {
    clock.advance(Math.min(100, START + ms - clock.now()));
    await sleep(settleMs);
  }
}

/** Moves the clock on in 100 ms steps until `check` holds (at most to `maxMs` after START). */
async function stepUntil(clock: ManualClock, check: () => boolean, maxMs: number, what: string): Promise<void> {
  while (!check()) {
    if (clock.now() >= START + maxMs) throw new Error(`${what} did not happen by ${maxMs} ms`);
    await stepTo(clock, clock.now() - START + 100);
  }
}

describe('modes across two replicas on one Redis', () => {
  it('single: a firing claimed by the other replica while a run is in progress is skipped', async () => {
    const c = cluster();
    const rule = await c.add(overlapping('single'));
    await stepTo(c.clockA, 1000);
    await c.a.claimDue(); // A runs the first firing
    await until(async () => (await c.registry.entries(rule.id, c.clockA.now())).running.length === 1, 'A running');
    await stepTo(c.clockA, 2000);
    await c.b.claimDue();
    await stepTo(c.clockA, 3000);
    await c.b.claimDue();
    await until(() => c.runs.length === 2, 'two skips');
    expect(c.runs.map((r) => [r.replica, r.trigger.index, r.status, r.reason])).toEqual([
      ['B', 1, 'skipped', 'mode single: already running'],
      ['B', 2, 'skipped', 'mode single: already running'],
    ]);
    await stepUntil(c.clockA, () => c.runs.length === 3, 4000, 'the run');
    await c.a.idle();
    expect(c.pushes.map((p) => [p.replica, p.key])).toEqual([['A', `${rule.id}#0@${START + 1000}/1`]]);
    expect(c.pushes[0]!.atMs).toBeGreaterThanOrEqual(3500);
    expect(await c.registry.entries(rule.id, c.clockA.now())).toEqual({ running: [], queued: [] });
  });

  it('restart: a firing on B stops the run on A within the check interval; the stopped run does no further action', async () => {
    const c = cluster();
    const rule = await c.add(overlapping('restart'));
    await stepTo(c.clockA, 1000);
    await c.a.claimDue();
    await until(async () => (await c.registry.entries(rule.id, c.clockA.now())).running.length === 1, 'A running');
    await stepTo(c.clockA, 2000);
    await c.b.claimDue(); // B's run stops A's
    await until(async () => (await c.registry.entries(rule.id, c.clockA.now())).running.length === 1, 'B admitted');
    expect(c.runs).toEqual([]);
    // A looks at its entry CHECK_MS after its previous look ended (plus one 100 ms step for the round trip).
    await stepUntil(c.clockA, () => c.runs.length === 1, 2000 + CHECK_MS + 200, 'A stopped');
    expect(c.runs[0]).toMatchObject({
      replica: 'A',
      status: 'cancelled',
      reason: 'stopped by a newer run (mode restart)',
      actions: [{ type: 'delay', status: 'cancelled' }],
    });
    await stepTo(c.clockA, 3000);
    await c.a.claimDue(); // and A's new run stops B's
    await stepUntil(c.clockA, () => c.runs.length === 2, 3000 + CHECK_MS + 200, 'B stopped');
    await stepUntil(c.clockA, () => c.runs.length === 3, 6000, 'the last run');
    await Promise.all([c.a.idle(), c.b.idle()]);
    expect(c.runs.map((r) => [r.replica, r.trigger.index, r.status])).toEqual([
      ['A', 0, 'cancelled'],
      ['B', 1, 'cancelled'],
      ['A', 2, 'completed'],
    ]);
    // Only the last run pushed (the stopped runs did not reach their push).
    expect(c.pushes.map((p) => [p.replica, p.key])).toEqual([['A', `${rule.id}#2@${START + 3000}/1`]]);
    expect(c.pushes[0]!.atMs).toBeGreaterThanOrEqual(5500);
  });

  it('queued (max 2): a run claimed by B waits for the run on A, then runs; a third is dropped', async () => {
    const c = cluster();
    const rule = await c.add(overlapping('queued', 2));
    await stepTo(c.clockA, 1000);
    await c.a.claimDue();
    await until(async () => (await c.registry.entries(rule.id, c.clockA.now())).running.length === 1, 'A running');
    await stepTo(c.clockA, 2000);
    await c.b.claimDue();
    await until(async () => (await c.registry.entries(rule.id, c.clockA.now())).queued.length === 1, 'B queued');
    await stepTo(c.clockA, 3000);
    await c.a.claimDue();
    await until(() => c.runs.length === 1, 'the third dropped');
    expect(c.runs[0]).toMatchObject({ replica: 'A', trigger: { index: 2 }, status: 'skipped' });
    // A's run ends at 3500; B sees its turn on its next poll (every 100 ms) and runs for 2.5 s.
    await stepUntil(c.clockA, () => c.pushes.length === 1, 4000, 'the first push');
    await stepUntil(c.clockA, () => c.pushes.length === 2, 7000, 'the second push');
    await Promise.all([c.a.idle(), c.b.idle()]);
    expect(c.pushes.map((p) => [p.replica, p.key])).toEqual([
      ['A', `${rule.id}#0@${START + 1000}/1`],
      ['B', `${rule.id}#1@${START + 2000}/1`],
    ]);
    expect(c.pushes[1]!.atMs).toBeGreaterThanOrEqual(c.pushes[0]!.atMs + 2500);
  });

  it('parallel: the cap counts runs on both replicas', async () => {
    for (const [max, pushes] of [
      [2, 2],
      [3, 3],
    ] as const) {
      const c = cluster();
      await c.add(overlapping('parallel', max));
      for (const [ms, engine] of [
        [1000, c.a],
        [2000, c.b],
        [3000, c.a],
      ] as const) {
        await stepTo(c.clockA, ms);
        await engine.claimDue();
      }
      await stepUntil(c.clockA, () => c.runs.length === 3, 7000, 'three runs');
      await Promise.all([c.a.idle(), c.b.idle()]);
      expect(c.pushes).toHaveLength(pushes);
      expect(c.runs.filter((r) => r.status === 'skipped').map((r) => r.trigger.index)).toEqual(max === 2 ? [2] : []);
    }
  });

  it("a dead replica's run stops blocking a single rule once its lease lapses", async () => {
    // A and B have their own clocks: A's stops at 1000 (it died: no renewals, no release).
    const c = cluster({ clocks: [new ManualClock(START), new ManualClock(START)], misfireThresholdMs: 5000 });
    const rule = await c.add({
      mode: 'single',
      misfirePolicy: 'skip',
      triggers: [1000, 2000, 20_000].map((ms) => ({ type: 'at' as const, atMs: START + ms })),
      actions: [
        { type: 'delay', ms: 5000 },
        { type: 'push', title: 'done' },
      ],
    });
    c.clockA.advance(1000);
    await c.a.claimDue();
    await until(async () => (await c.registry.entries(rule.id, START + 1000)).running.length === 1, 'A running');
    await stepTo(c.clockB, 2000);
    await c.b.claimDue(); // A's run still holds the rule
    await until(() => c.runs.length === 1, 'skip while A lives');
    await stepTo(c.clockB, 20_000, 0);
    // B takes A's firing over (too late: skipped as a misfire) and runs the next firing:
    // A's registry entry lapsed with its lease and no longer blocks.
    await c.b.claimDue();
    await until(async () => (await c.registry.entries(rule.id, c.clockB.now())).running.length === 1, 'B running');
    await stepUntil(c.clockB, () => c.pushes.length === 1, 26_000, 'the push');
    await c.b.idle();
    expect(c.runs.map((r) => [r.replica, r.trigger.index, r.status, r.reason])).toEqual([
      ['B', 1, 'skipped', 'mode single: already running'],
      ['B', 0, 'skipped', 'misfire: policy skip'],
      ['B', 2, 'completed', undefined],
    ]);
    expect(c.pushes.map((p) => [p.replica, p.key])).toEqual([['B', `${rule.id}#2@${START + 20_000}/1`]]);
  });
});
