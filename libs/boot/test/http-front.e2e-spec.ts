import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpFront } from '@lattice/boot';
import { startTestApp, stopTestApps } from '#test/boot.js';
import { waitFor } from '#test/wait.js';

/** Serves `/fast/*` ahead of Nest; `/fast/held` answers only when the test says so. */
@Injectable()
class FastLane implements OnApplicationBootstrap {
  held: ServerResponse | undefined;
  constructor(private readonly front: HttpFront) {}
  onApplicationBootstrap(): void {
    this.front.use((req: IncomingMessage, res: ServerResponse) => {
      if (!(req.url ?? '').startsWith('/fast/')) return false;
      if (req.url === '/fast/held') this.held = res;
      else if (req.url === '/fast/counted') {
        (req as IncomingMessage & { route?: { path: string } }).route = { path: '/fast/counted' };
        this.front.requestTelemetry(req, res, () => res.writeHead(201).end('counted'));
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('fast');
      return true;
    });
  }
}

@Controller('slow')
class SlowController {
  @Get() get(): { via: string } {
    return { via: 'nest' };
  }
}

@Module({ controllers: [SlowController], providers: [FastLane] })
class FrontModule {}

function get(url: string): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

afterEach(stopTestApps);

describe('HttpFront', () => {
  it('serves claimed requests ahead of Nest and hands the rest to Nest', async () => {
    const app = await startTestApp(FrontModule, { name: 'front' });
    const fast = await get(`${app.url}/fast/x`);
    expect(fast).toMatchObject({ status: 200, body: 'fast' });
    expect(fast.headers['x-powered-by']).toBeUndefined();
    const slow = await get(`${app.url}/slow`);
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.body)).toEqual({ via: 'nest' });
    expect((await get(`${app.url}/health/live`)).status).toBe(200);
  });

  it("gives handlers boot's request metric, which they apply themselves", async () => {
    const app = await startTestApp(FrontModule, { name: 'front' });
    expect(app.nest.get(HttpFront).tracesRequests).toBe(false); // no exporter: telemetry.tracing auto
    expect(await get(`${app.url}/fast/counted`)).toMatchObject({ status: 201, body: 'counted' });
    await get(`${app.url}/fast/x`);
    const metrics = (await get(`${app.url}/metrics`)).body;
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{method="GET",route="\/fast\/counted",status_code="201"\} 1\n/,
    );
    // A handler that does not call it is not counted (there is no route to label it with).
    expect(metrics).not.toMatch(/route="unmatched",status_code="200"/);
  });

  it('lets a request it serves finish during the graceful drain, with Connection: close', async () => {
    const app = await startTestApp(FrontModule, { name: 'front', env: { LATTICE__SHUTDOWN__GRACE_PERIOD_MS: '5000' } });
    const lane = app.nest.get(FastLane);
    const answer = get(`${app.url}/fast/held`);
    await waitFor(() => lane.held !== undefined);
    let stopped = false;
    const stopping = app.shutdown().then(() => (stopped = true));
    await waitFor(() => !app.nest.getHttpServer().listening);
    expect(stopped).toBe(false);
    lane.held!.writeHead(200).end('late');
    expect(await answer).toMatchObject({ status: 200, body: 'late' });
    expect((await answer).headers['connection']).toBe('close');
    await stopping;
  });
});
