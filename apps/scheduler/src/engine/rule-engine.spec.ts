/* eslint-disable @typescript-eslint/require-await -- the recording ports mirror the async shape of real ones */
import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import { ruleInputSchema, type Rule, type RuleInputRaw, type RuleRun } from '@lattice-platform/scheduler';
import {
  MemoryDeviceStateStore,
  MemoryRuleStore,
  MemoryRunStore,
  MemoryTimerStore,
  RuleEngine,
  type DesiredStateRequest,
  type DeviceCommandRequest,
  type PushRequest,
  type WebhookRequest,
} from '../testing.js';

class Recorder {
  readonly commands: DeviceCommandRequest[] = [];
  readonly desired: DesiredStateRequest[] = [];
  readonly pushes: PushRequest[] = [];
  readonly hooks: WebhookRequest[] = [];
  async sendCommand(r: DeviceCommandRequest): Promise<void> {
    this.commands.push(r);
  }
  async updateDesired(r: DesiredStateRequest): Promise<void> {
    this.desired.push(r);
  }
  async send(r: PushRequest): Promise<void> {
    this.pushes.push(r);
  }
  async call(r: WebhookRequest): Promise<void> {
    this.hooks.push(r);
  }
}

const START = Date.parse('2026-06-01T00:00:00Z');
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

function setup() {
  const clock = new ManualClock(START);
  const recorder = new Recorder();
  const runs: RuleRun[] = [];
  const stores = {
    rules: new MemoryRuleStore(),
    runs: new MemoryRunStore(),
    timers: new MemoryTimerStore(),
    states: new MemoryDeviceStateStore(),
  };
  const engine = new RuleEngine({
    ...stores,
    devices: recorder,
    push: recorder,
    webhooks: recorder,
    clock,
    leaseMs: 60_000,
    misfireThresholdMs: 5_000,
    onRun: (run) => runs.push(run),
  });
  let n = 0;
  const add = async (raw: Partial<RuleInputRaw>): Promise<Rule> => {
    const input = ruleInputSchema.parse({ homeId: 'h1', name: 'r', actions: [{ type: 'push', title: 'x' }], ...raw });
    const rule: Rule = { ...input, id: `r${++n}`, version: 1, createdMs: clock.now(), updatedMs: clock.now() };
    await engine.saveRule(rule);
    return rule;
  };
  const at = async (ms: number): Promise<void> => {
    clock.advance(START + ms - clock.now());
    await engine.claimDue();
    await flush();
  };
  return { clock, recorder, runs, engine, stores, add, at };
}

describe('misfire after downtime', () => {
  const downtime = 30 * 60_000;

  it('fire_once_now fires one catch-up run, not the backlog, then resumes the schedule', async () => {
    const { engine, recorder, runs, stores, add, clock } = setup();
    const rule = await add({ triggers: [{ type: 'interval', everyMs: 60_000, startMs: START }] });
    clock.advance(60_000 + downtime); // 30 firings missed while no replica ran
    await engine.runDue();
    expect(recorder.pushes).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', scheduledMs: START + 60_000 });
    expect(await stores.timers.dueOf(`${rule.id}#0`)).toBe(START + 32 * 60_000);
    await engine.runDue();
    expect(recorder.pushes).toHaveLength(1);
  });

  it('skip records the missed firing and waits for the next one', async () => {
    const { engine, recorder, runs, stores, add, clock } = setup();
    const rule = await add({
      misfirePolicy: 'skip',
      triggers: [{ type: 'interval', everyMs: 60_000, startMs: START }],
    });
    clock.advance(60_000 + downtime);
    await engine.runDue();
    expect(recorder.pushes).toHaveLength(0);
    expect(runs).toEqual([expect.objectContaining({ status: 'skipped', reason: 'misfire: policy skip' })]);
    expect(await stores.timers.dueOf(`${rule.id}#0`)).toBe(START + 32 * 60_000);
  });

  it('fire_once_now beyond the catch-up window skips', async () => {
    const { engine, recorder, runs, add, clock } = setup();
    await add({ catchUpWindowMs: 10 * 60_000, triggers: [{ type: 'at', atMs: START + 1000 }] });
    clock.advance(1000 + downtime);
    await engine.runDue();
    expect(recorder.pushes).toHaveLength(0);
    expect(runs[0]).toMatchObject({ status: 'skipped', reason: 'misfire: outside the catch-up window' });
  });

  it('a small delay is not a misfire', async () => {
    const { engine, recorder, add, clock } = setup();
    await add({ misfirePolicy: 'skip', triggers: [{ type: 'at', atMs: START + 1000 }] });
    clock.advance(1000 + 4000);
    await engine.runDue();
    expect(recorder.pushes).toHaveLength(1);
  });
});

describe('modes with overlapping runs', () => {
  // Three firings one second apart; each run takes 2.5 s (a delay, then a push).
  const overlapping = (mode: 'single' | 'restart' | 'queued' | 'parallel', max?: number): Partial<RuleInputRaw> => ({
    mode,
    ...(max === undefined ? {} : { max }),
    triggers: [1000, 2000, 3000].map((ms) => ({ type: 'at' as const, atMs: START + ms })),
    actions: [
      { type: 'delay', ms: 2500 },
      { type: 'push', title: 'done' },
    ],
  });
  async function play(setupResult: ReturnType<typeof setup>): Promise<void> {
    for (const ms of [1000, 2000, 3000, 3500, 4500, 5500, 6000, 8500, 9000]) await setupResult.at(ms);
    await setupResult.engine.idle();
  }

  it('single: runs the first, skips the others while it runs', async () => {
    const s = setup();
    await s.add(overlapping('single'));
    await play(s);
    expect(s.recorder.pushes).toHaveLength(1);
    expect(s.runs.map((r) => r.status).sort()).toEqual(['completed', 'skipped', 'skipped']);
  });

  it('restart: each new firing cancels the run in progress; the last completes', async () => {
    const s = setup();
    await s.add(overlapping('restart'));
    await play(s);
    expect(s.recorder.pushes).toHaveLength(1);
    expect(s.runs.map((r) => [r.trigger.index, r.status])).toEqual([
      [0, 'cancelled'],
      [1, 'cancelled'],
      [2, 'completed'],
    ]);
  });

  it('queued (max 2): runs one after the other, drops what exceeds max', async () => {
    const s = setup();
    await s.add(overlapping('queued', 2));
    const pushTimes: number[] = [];
    const original = s.recorder.send.bind(s.recorder);
    s.recorder.send = async (r) => {
      pushTimes.push(s.clock.now() - START);
      await original(r);
    };
    await play(s);
    expect(s.recorder.pushes).toHaveLength(2);
    expect(pushTimes).toEqual([3500, 6000]); // the second waited for the first
    expect(s.runs.filter((r) => r.status === 'skipped').map((r) => r.trigger.index)).toEqual([2]);
  });

  it('parallel: overlapping runs up to max', async () => {
    const s = setup();
    await s.add(overlapping('parallel', 2));
    await play(s);
    expect(s.recorder.pushes).toHaveLength(2);
    const s3 = setup();
    await s3.add(overlapping('parallel', 3));
    await play(s3);
    expect(s3.recorder.pushes).toHaveLength(3);
  });
});

describe('device triggers from the bus', () => {
  const telemetry = (id: string, tsMs: number, values: Record<string, number>) => ({
    id,
    deliveries: 1,
    type: 'device.telemetry',
    tsMs,
    homeId: 'h1',
    deviceId: 'thermo',
    data: values,
  });

  it('a state with a duration interrupted before it elapses does not fire; an uninterrupted one does', async () => {
    const s = setup();
    await s.add({
      triggers: [
        {
          type: 'device_state',
          deviceId: 'thermo',
          predicate: { attribute: 'temperature', op: 'gt', value: 28 },
          forMs: 300_000,
        },
      ],
    });
    await s.engine.handleEvent(telemetry('1', START, { temperature: 29 }));
    await s.at(120_000);
    await s.engine.handleEvent(telemetry('2', START + 120_000, { temperature: 27 }));
    await s.at(400_000);
    await s.engine.idle();
    expect(s.recorder.pushes).toHaveLength(0);

    await s.engine.handleEvent(telemetry('3', START + 400_000, { temperature: 30 }));
    await s.at(500_000);
    await s.engine.handleEvent(telemetry('4', START + 500_000, { temperature: 31 })); // still above: no re-arm
    await s.at(700_000);
    await s.engine.idle();
    expect(s.recorder.pushes).toHaveLength(1);
    expect(s.runs[0]).toMatchObject({ status: 'completed', scheduledMs: START + 700_000 });
  });

  it('a device event with value predicates fires once per event, even when redelivered', async () => {
    const s = setup();
    const rule = await s.add({
      triggers: [
        {
          type: 'device_event',
          deviceId: 'door',
          eventType: 'device.event',
          where: [{ attribute: 'open', op: 'eq', value: true }],
        },
      ],
      conditions: [{ type: 'device_state', deviceId: 'door', attribute: 'armed', op: 'eq', value: true }],
      actions: [
        { type: 'device_command', deviceId: 'siren', method: 'on' },
        { type: 'set_desired', deviceId: 'lamp', desired: { on: true } },
      ],
    });
    await s.engine.handleEvent({ ...telemetry('6-0', START, {}), deviceId: 'door', data: { values: { armed: true } } });
    const event = {
      id: '7-0',
      deliveries: 1,
      type: 'device.event',
      tsMs: START,
      homeId: 'h1',
      deviceId: 'door',
      data: { open: true },
    };
    await s.engine.handleEvent(event);
    await s.engine.handleEvent({ ...event, deliveries: 2 });
    await s.engine.handleEvent({ ...event, id: '8-0', data: { open: false } });
    await s.engine.handleEvent({ ...event, id: '9-0', homeId: 'h2' });
    await s.engine.runDue();
    expect(s.recorder.commands).toEqual([
      expect.objectContaining({
        deviceId: 'siren',
        method: 'on',
        homeId: 'h1',
        commandId: `${rule.id}#0#e:7-0@${START}/0`,
      }),
    ]);
    expect(s.recorder.desired).toEqual([expect.objectContaining({ deviceId: 'lamp', desired: { on: true } })]);
  });
});

describe('scenes and conditions', () => {
  it('run_rule runs another rule of the same home; conditions are recorded', async () => {
    const s = setup();
    const scene = await s.add({
      enabled: false,
      triggers: [{ type: 'at', atMs: START }],
      actions: [{ type: 'push', title: 'scene' }],
    });
    await s.add({
      triggers: [{ type: 'at', atMs: START + 1000 }],
      conditions: [
        { type: 'time', after: '23:00', before: '01:00', timeZone: 'UTC' },
        {
          type: 'or',
          conditions: [
            { type: 'weekday', days: [1], timeZone: 'UTC' },
            { type: 'sun', state: 'up', latitude: 0, longitude: 0 },
          ],
        },
      ],
      actions: [{ type: 'run_rule', ruleId: scene.id }],
    });
    await s.at(1000);
    await s.engine.idle();
    expect(s.recorder.pushes.map((p) => p.title)).toEqual(['scene']);
    expect(s.runs.at(-1)).toMatchObject({
      status: 'completed',
      conditions: [
        { index: 0, type: 'time', result: true },
        { index: 1, type: 'or', result: true },
      ],
      actions: [{ index: 0, type: 'run_rule', status: 'ok' }],
    });
  });
});

describe('claim loop', () => {
  it('claims a firing ahead of its due time and starts it at the due time, never before', async () => {
    const { engine, recorder, runs, stores, add, clock } = setup();
    await add({ triggers: [{ type: 'at', atMs: START + 1000 }] });
    engine.start();
    let claimedAt: number | undefined;
    for (let t = 0; t < 1000; t += 10) {
      clock.advance(10);
      await flush();
      if (claimedAt === undefined && (await stores.timers.dueOf('r1#0')) === null) claimedAt = clock.now();
      if (clock.now() < START + 1000) expect(recorder.pushes).toEqual([]);
    }
    // Claimed within the look-ahead (50 ms by default), started exactly when due.
    expect(claimedAt).toBeGreaterThanOrEqual(START + 950);
    expect(claimedAt).toBeLessThan(START + 1000);
    expect(recorder.pushes).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', scheduledMs: START + 1000, actualMs: START + 1000 });
    await engine.stop();
  });
});
