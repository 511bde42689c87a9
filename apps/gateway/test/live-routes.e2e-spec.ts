import type { ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { route, startGateway, startUpstream, type TestGateway, type TestUpstream } from './gateway-harness.js';

describe('live route reload', () => {
  let blue: TestUpstream;
  let green: TestUpstream;
  let gw: TestGateway;
  const agent = new Agent({ connections: 16 });
  const colour =
    (name: string) =>
    (_req: unknown, res: ServerResponse): void => {
      // A little latency keeps requests in flight across each swap.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(name);
      }, 2);
    };
  beforeAll(async () => {
    blue = await startUpstream(colour('blue'));
    green = await startUpstream(colour('green'));
    gw = await startGateway(blue, [route('colour', { uri: blue.url, predicates: { path: ['/api/colour'] } })]);
  });
  afterAll(async () => {
    await agent.close();
    await gw?.close();
    await blue?.close();
    await green?.close();
  });

  it('switches routes under load with zero failed requests', async () => {
    let stop = false;
    const outcomes = { ok: 0, failed: 0, blue: 0, green: 0 };
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const res = await request(`${gw.url}/api/colour`, { dispatcher: agent });
          const text = await res.body.text();
          if (res.statusCode === 200) {
            outcomes.ok++;
            if (text === 'blue') outcomes.blue++;
            if (text === 'green') outcomes.green++;
          } else outcomes.failed++;
        } catch {
          outcomes.failed++;
        }
      }
    };
    // Each swap waits for requests rather than for time, so a slow machine still swaps under load.
    const afterRequests = async (count: number): Promise<void> => {
      const target = outcomes.ok + outcomes.failed + count;
      const until = Date.now() + 10_000;
      while (outcomes.ok + outcomes.failed < target && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    };
    const workers = Array.from({ length: 16 }, () => worker());
    for (let i = 0; i < 6; i++) {
      await afterRequests(30);
      const target = i % 2 === 0 ? green : blue;
      await gw.publishRoutes([route('colour', { uri: target.url, predicates: { path: ['/api/colour'] } })]);
    }
    await afterRequests(30);
    stop = true;
    await Promise.all(workers);
    expect(outcomes.failed).toBe(0);
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.blue).toBeGreaterThan(0);
    expect(outcomes.green).toBeGreaterThan(0);
  });

  it('refuses an invalid route table with its problems and keeps the previous one', async () => {
    await gw.publishRoutes([route('colour', { uri: green.url, predicates: { path: ['/api/colour'] } })]);
    await gw.publishRoutes([{ id: 'broken', uri: 'nope', predicates: { path: ['no-slash'] } }]);
    expect(gw.runtime.lastRefusal?.problems.join('\n')).toMatch(/routes\.0\.uri[\s\S]*routes\.0\.predicates\.path\.0/);
    const res = await request(`${gw.url}/api/colour`, { dispatcher: agent });
    expect(await res.body.text()).toBe('green');
    expect(gw.runtime.proxy.routes.routes.map((r) => r.id)).toEqual(['colour']);
  });
});
