import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryEventBus } from '@lattice/events';
import { admin, call, identity, LiveClient, settle, startPush, type TestPush } from './support/push-harness.js';

describe('push: device alerts from the event bus', () => {
  let push: TestPush;
  const bus = new MemoryEventBus();
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    push = await startPush({ eventBus: bus, push: { fallback: { enabled: false } } });
    await call(push, 'PUT', '/push/homes/home-1/members', admin(), { users: ['owner', 'partner'] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await push?.stop();
    await bus.close();
  });

  async function members(): Promise<LiveClient[]> {
    const all = await Promise.all(['owner', 'partner', 'stranger'].map((u) => LiveClient.connect(push, identity(u))));
    clients.push(...all);
    await Promise.all(all.map((c) => c.until((f) => f.length > 0)));
    return all;
  }

  it('notifies every member of the home of smoke and a water leak', async () => {
    const [owner, partner, stranger] = await members();
    const base = { type: 'device.event', homeId: 'home-1', hubId: 'hub-1' };
    await bus.publish({ ...base, tsMs: Date.now(), deviceId: 'smoke-1', data: { smoke: true } });
    await bus.publish({ ...base, tsMs: Date.now(), deviceId: 'leak-1', data: { leak: true } });
    await bus.publish({ ...base, tsMs: Date.now(), deviceId: 'temp-1', data: { temperature: 21 } });
    await owner!.untilMessages(2);
    await partner!.untilMessages(2);
    await settle();
    expect(owner!.messages.map((m) => m['title'])).toEqual(['Smoke detected', 'Water leak']);
    expect(owner!.messages[0]).toMatchObject({ priority: 'high', data: { deviceId: 'smoke-1', homeId: 'home-1' } });
    expect(owner!.messages[0]?.['body']).toContain('smoke-1');
    expect(stranger!.messages).toHaveLength(0);
  });

  it('reports a door opened at night only', async () => {
    const [owner] = await members();
    const base = { type: 'device.event', homeId: 'home-1', deviceId: 'door-1', data: { contact: 'open' } };
    await bus.publish({ ...base, tsMs: Date.parse('2026-01-01T14:00:00Z') });
    await bus.publish({ ...base, tsMs: Date.parse('2026-01-01T23:30:00Z') });
    // A new connection without an offset replays the home's earlier alerts too; count only doors.
    const doors = () => owner!.messages.filter((m) => m['title'] === 'Door opened at night');
    await owner!.until(() => doors().length > 0);
    await settle();
    expect(doors()).toHaveLength(1);
  });

  it('turns rule push actions into notifications for the home', async () => {
    const [owner, partner] = await members();
    await bus.publish({
      type: 'rule.push',
      tsMs: Date.now(),
      data: { homeId: 'home-1', title: 'Garage', body: 'left open' },
    });
    for (const client of [owner!, partner!])
      await client.until(() => client.messages.some((m) => m['title'] === 'Garage'));
    expect(owner!.messages.find((m) => m['title'] === 'Garage')).toMatchObject({ body: 'left open', priority: 'high' });
  });
});
