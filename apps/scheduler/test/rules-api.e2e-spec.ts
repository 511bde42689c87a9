import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type { LatticeApplication } from '@lattice/boot';
import { MemoryEventBus } from '@lattice/events';
import { createSchedulerApplication, signature, type Rule, type RuleRun } from '@lattice-platform/scheduler';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'scheduler-test-identity-secret';
let app: LatticeApplication;
let receiver: WebhookReceiver;
const bus = new MemoryEventBus();

function as(user: string, homes: string[]): Record<string, string> {
  const h = homes.join(',');
  return {
    'content-type': 'application/json',
    'x-lattice-user': user,
    'x-lattice-homes': h,
    'x-lattice-roles': '',
    'x-lattice-identity-signature': createHmac('sha256', SECRET).update(`${user}\n${h}\n\n`).digest('hex'),
  };
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  app = await createSchedulerApplication({
    env: {
      LATTICE_BACKEND: 'memory',
      LATTICE_DISCOVERY: 'memory',
      LATTICE_SCHEDULER__SERVER__PORT: '0',
      LATTICE_SCHEDULER__SERVER__HOST: '127.0.0.1',
      LATTICE_SCHEDULER__LOG__LEVEL: 'silent',
      LATTICE_SCHEDULER__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE_SCHEDULER__SHUTDOWN__GRACE_PERIOD_MS: '2000',
    },
    defaults: { gateway: { identitySecret: SECRET }, scheduler: { pollIntervalMs: 20 } },
    eventBus: bus,
  });
  await app.start();
});

afterAll(async () => {
  await app.shutdown('SIGTERM');
  await receiver.close();
  await bus.close();
});

describe('/api/v1/rules', () => {
  it('answers 401 problem+json without the gateway identity, or with a forged one', async () => {
    const none = await call('GET', '/api/v1/rules', {});
    expect(none.status).toBe(401);
    expect(none.type).toContain('application/problem+json');
    expect(none.body.code).toBe('SCHEDULER_UNAUTHENTICATED');
    const forged = await call('GET', '/api/v1/rules', { ...as('u1', ['h1']), 'x-lattice-homes': 'h1,h2' });
    expect(forged.status).toBe(401);
  });

  it('lists every validation problem with its field path', async () => {
    const res = await call('POST', '/api/v1/rules', as('u1', ['h1']), {
      homeId: 'h1',
      name: 'bad',
      mode: 'sometimes',
      triggers: [{ type: 'cron', expression: '0 0 * * * *', timeZone: 'Mars/Olympus' }],
      actions: [{ type: 'webhook', url: 'not a url' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('SCHEDULER_INVALID_RULE');
    const paths = (res.body.problems as { path: string }[]).map((p) => p.path).sort();
    expect(paths).toEqual(['actions.0.url', 'mode', 'triggers.0.timeZone']);
    const cron = await call('POST', '/api/v1/rules', as('u1', ['h1']), {
      homeId: 'h1',
      name: 'bad cron',
      triggers: [{ type: 'cron', expression: '0 0 25 * * *' }],
      actions: [{ type: 'delay', ms: 1 }],
    });
    expect(cron.status).toBe(400);
    expect(cron.body.problems).toEqual([expect.objectContaining({ path: 'triggers.0.expression' })]);
  });

  it('creates, reads, versions, scopes to homes, deletes', async () => {
    const body = {
      homeId: 'h1',
      name: 'morning',
      triggers: [{ type: 'cron', expression: '0 30 7 * * 1-5', timeZone: 'Europe/Berlin' }],
      actions: [{ type: 'push', title: 'Good morning' }],
    };
    const created = await call('POST', '/api/v1/rules', as('u1', ['h1']), body);
    expect(created.status).toBe(201);
    const rule = created.body as Rule;
    expect(rule).toMatchObject({
      homeId: 'h1',
      version: 1,
      mode: 'single',
      enabled: true,
      misfirePolicy: 'fire_once_now',
    });
    expect((await call('GET', `/api/v1/rules/${rule.id}`, as('u1', ['h1']))).body.name).toBe('morning');
    // Another home's user: 404, never 403; creating into a home you do not have: 400 on homeId.
    expect((await call('GET', `/api/v1/rules/${rule.id}`, as('u2', ['h2']))).status).toBe(404);
    expect((await call('DELETE', `/api/v1/rules/${rule.id}`, as('u2', ['h2']))).status).toBe(404);
    const foreign = await call('POST', '/api/v1/rules', as('u2', ['h2']), body);
    expect(foreign.status).toBe(400);
    expect(foreign.body.problems).toEqual([expect.objectContaining({ path: 'homeId' })]);
    expect((await call('GET', '/api/v1/rules', as('u2', ['h2']))).body.items).toEqual([]);
    const updated = await call(
      'PUT',
      `/api/v1/rules/${rule.id}`,
      { ...as('u1', ['h1']), 'if-match': '1' },
      {
        ...body,
        name: 'morning 2',
      },
    );
    expect(updated.body).toMatchObject({ version: 2, name: 'morning 2', createdMs: rule.createdMs });
    const stale = await call('PUT', `/api/v1/rules/${rule.id}`, { ...as('u1', ['h1']), 'if-match': '1' }, body);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('SCHEDULER_VERSION_CONFLICT');
    expect((await call('GET', '/api/v1/rules', as('u1', ['h1', 'h9']))).body.items).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/rules/${rule.id}`, as('u1', ['h1']))).status).toBe(204);
    expect((await call('GET', `/api/v1/rules/${rule.id}`, as('u1', ['h1']))).status).toBe(404);
  });

  it('fires a rule, signs its webhook and records the run in history', async () => {
    const hookSecret = 'a-webhook-secret-of-16+';
    const created = await call('POST', '/api/v1/rules', as('u1', ['h1']), {
      homeId: 'h1',
      name: 'soon',
      triggers: [{ type: 'at', atMs: Date.now() + 300 }],
      conditions: [{ type: 'not', condition: { type: 'weekday', days: [0, 1, 2, 3, 4, 5, 6] } }],
      actions: [{ type: 'webhook', url: `${receiver.url}/never` }],
    });
    const interval = await call('POST', '/api/v1/rules', as('u1', ['h1']), {
      homeId: 'h1',
      name: 'tick',
      triggers: [{ type: 'interval', everyMs: 200 }],
      actions: [{ type: 'webhook', url: `${receiver.url}/tick`, secret: hookSecret, body: { hello: 'world' } }],
    });
    const tick = interval.body as Rule;
    for (let i = 0; i < 100 && receiver.deliveries.filter((d) => d.path === '/tick').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await call('DELETE', `/api/v1/rules/${tick.id}`, as('u1', ['h1']));
    const delivery = receiver.deliveries.find((d) => d.path === '/tick')!;
    expect(delivery.body).toMatchObject({ hello: 'world', ruleId: tick.id });
    const ts = String(delivery.headers['x-lattice-timestamp']);
    expect(delivery.headers['x-lattice-signature']).toBe(signature(hookSecret, ts, JSON.stringify(delivery.body)));
    expect(delivery.key).toMatch(new RegExp(`^${tick.id}#0@\\d+/0$`));

    const soon = created.body as Rule;
    let runs: RuleRun[] = [];
    for (let i = 0; i < 100 && runs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      runs = (await call('GET', `/api/v1/rules/${soon.id}/runs`, as('u1', ['h1']))).body.items as RuleRun[];
    }
    expect(runs[0]).toMatchObject({
      status: 'conditions_false',
      trigger: { index: 0, type: 'at' },
      scheduledMs: soon.triggers[0]!.type === 'at' ? soon.triggers[0]!.atMs : -1,
      conditions: [{ index: 0, type: 'not', result: false }],
      actions: [],
    });
    expect(runs[0]!.actualMs).toBeGreaterThanOrEqual(runs[0]!.scheduledMs);
    expect(receiver.deliveries.some((d) => d.path === '/never')).toBe(false);
  });

  it('fires a device-event rule from the event bus (consumer group), once per event', async () => {
    const created = await call('POST', '/api/v1/rules', as('u1', ['h1']), {
      homeId: 'h1',
      name: 'doorbell',
      triggers: [{ type: 'device_event', deviceId: 'bell', where: [{ attribute: 'pressed', op: 'eq', value: true }] }],
      actions: [{ type: 'webhook', url: `${receiver.url}/bell` }],
    });
    const rule = created.body as Rule;
    await bus.publish({
      type: 'device.event',
      tsMs: Date.now(),
      homeId: 'h1',
      deviceId: 'bell',
      data: { pressed: false },
    });
    await bus.publish({
      type: 'device.event',
      tsMs: Date.now(),
      homeId: 'h2',
      deviceId: 'bell',
      data: { pressed: true },
    });
    await bus.publish({
      type: 'device.event',
      tsMs: Date.now(),
      homeId: 'h1',
      deviceId: 'bell',
      data: { pressed: true },
    });
    for (let i = 0; i < 100 && !receiver.deliveries.some((d) => d.path === '/bell'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    const rings = receiver.deliveries.filter((d) => d.path === '/bell');
    expect(rings).toHaveLength(1);
    expect(rings[0]!.key.startsWith(`${rule.id}#0#e:`)).toBe(true);
  });
});
