import { request, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnTs, type TsProcess } from '#test/processes.js';

const fixture = fileURLToPath(new URL('./fixtures/slow-app.ts', import.meta.url));
const running: TsProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

/** GET on a fresh connection: the status, or the socket error code (ECONNREFUSED, ...). */
function get(url: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

async function startSlowApp(env: Record<string, string>): Promise<{ app: TsProcess; url: string }> {
  const app = spawnTs(fixture, { LOG_LEVEL: 'info', ...env });
  running.push(app);
  const line = await app.waitForLine(/"msg":"slow ready"/);
  const url = (JSON.parse(line) as { url: string }).url;
  return { app, url };
}

describe('graceful shutdown of a real child process', () => {
  it('on SIGTERM: readiness turns 503 first, then new connections are refused, the in-flight request completes with 200, exit 0', async () => {
    const { app, url } = await startSlowApp({
      LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '600',
      LATTICE__SHUTDOWN__GRACE_PERIOD_MS: '10000',
    });
    expect((await get(`${url}/health/ready`)).status).toBe(200);

    const slow = get(`${url}/slow?ms=2000`);
    await new Promise((r) => setTimeout(r, 200)); // the request is in flight
    app.child.kill('SIGTERM');

    // Observe the phases in order with fresh connections.
    const seen: string[] = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const probe = await get(`${url}/health/ready`);
      const phase = probe.error ?? String(probe.status);
      if (seen.at(-1) !== phase) seen.push(phase);
      if (probe.error === 'ECONNREFUSED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Until the child has handled the signal it may still answer 200; from then on the
    // order must be exactly: unready (503) while still accepting, then refused.
    const afterSignal = seen[0] === '200' ? seen.slice(1) : seen;
    expect(afterSignal).toEqual(['503', 'ECONNREFUSED']);

    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.body!)).toEqual({ waitedMs: 2000 });
    expect(await app.exited).toBe(0);
    expect(app.stdout()).toMatch(/"msg":"slow stopped"/);
  });

  it('cuts requests still running at the end of the grace period, and still exits 0', async () => {
    const { app, url } = await startSlowApp({
      LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE__SHUTDOWN__GRACE_PERIOD_MS: '300',
    });
    const slow = get(`${url}/slow?ms=10000`);
    await new Promise((r) => setTimeout(r, 200));
    app.child.kill('SIGTERM');
    const outcome = await slow;
    expect(outcome.error).toBeDefined();
    expect(await app.exited).toBe(0);
    expect(app.stdout()).toMatch(/grace period ended with requests in flight/);
  });

  it('a second signal exits at once', async () => {
    const { app, url } = await startSlowApp({
      LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE__SHUTDOWN__GRACE_PERIOD_MS: '20000',
    });
    void get(`${url}/slow?ms=15000`);
    await new Promise((r) => setTimeout(r, 200));
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const before = Date.now();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(130);
    expect(Date.now() - before).toBeLessThan(3_000);
  });
});
