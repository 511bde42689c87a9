// What boot costs on the request path: the same tiny JSON endpoint served by bare
// node:http, by a bare Nest 12 (express) app, and by a Lattice app as it runs without an
// exporter (duration histogram, drain tracking, problem+json filter) and with a server span
// per request (traceparent extraction, span active through the handler),
// measured side by side in one run with autocannon. The load generator runs in its own
// process: sharing the server's event loop would halve what the server can do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LatticeApplication } from '@lattice/boot';
import { httpLoad, printTable, writeResult, type HttpLoadFigures } from './harness.js';

const CONNECTIONS = 64;
const DURATION_SECONDS = Number(process.env['BENCH_DURATION_SECONDS'] ?? 5);
const PAYLOAD = { id: 'dev-1', online: true, temperature: 21.5 };

@Controller('device')
class DeviceController {
  @Get()
  get(): typeof PAYLOAD {
    return PAYLOAD;
  }
}
@Module({ controllers: [DeviceController] })
class BenchModule {}

interface Run extends HttpLoadFigures {
  variant: string;
}

async function load(variant: string, url: string): Promise<Run> {
  await httpLoad(url, { connections: CONNECTIONS, seconds: 1 }); // warm-up
  return { variant, ...(await httpLoad(url, { connections: CONNECTIONS, seconds: DURATION_SECONDS })) };
}

async function bareNode(): Promise<Run> {
  const body = JSON.stringify(PAYLOAD);
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await load('node:http (bare)', `http://127.0.0.1:${(server.address() as AddressInfo).port}/device`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function bareNest(): Promise<Run> {
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  try {
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    return await load('Nest 12 express (bare)', `http://127.0.0.1:${port}/device`);
  } finally {
    await app.close();
  }
}

async function lattice(variant: string, tracing: 'auto' | 'always'): Promise<Run> {
  const app = await LatticeApplication.create(BenchModule, {
    name: 'bench',
    defaults: { server: { host: '127.0.0.1', port: 0 } },
    env: { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0', LATTICE__TELEMETRY__TRACING: tracing },
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  await app.start();
  try {
    return await load(variant, `${app.url}/device`);
  } finally {
    await app.shutdown();
  }
}

const runs = [
  await bareNode(),
  await bareNest(),
  await lattice('Lattice boot, no exporter (metrics + drain)', 'auto'),
  await lattice('Lattice boot, span per request (tracing: always)', 'always'),
];
const nest = runs[1]!;
const rows = runs.map((run) => ({
  ...run,
  vsNest: `${((run.requestsPerSec / nest.requestsPerSec) * 100).toFixed(1)}%`,
}));
printTable(`GET /device, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each (autocannon, loopback)`, rows);
const file = writeResult('boot-http', {
  setup: {
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    responseBytes: JSON.stringify(PAYLOAD).length,
    tool: 'autocannon',
  },
  figures: { runs: rows, latticeVsNestThroughput: runs[2]!.requestsPerSec / nest.requestsPerSec },
});
process.stdout.write(`\nwritten ${file}\n`);
