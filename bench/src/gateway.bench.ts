// The gateway's data path against a bare reverse proxy in Node (fastify + @fastify/http-proxy)
// and nginx (from apt, upstream keep-alive), side by side in one run against the same node:http
// upstream answering small JSON. The Lattice gateway does route match + JWT verify (ES256) +
// rate limit (never limiting) + circuit breaker on every request; the others proxy bare.
// Every server runs in its own process, and autocannon (64 connections) in another.
//
//   node bench/dist/gateway.bench.js   (BENCH_DURATION_SECONDS=5, BENCH_ROUNDS=3 by default)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { httpLoad, percentile, printTable, writeResult, type HttpLoadFigures } from './harness.js';

const CONNECTIONS = 64;
const DURATION_SECONDS = Number(process.env['BENCH_DURATION_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const PAYLOAD = JSON.stringify({ id: 'dev-1', online: true, temperature: 21.5 });
const self = fileURLToPath(import.meta.url);

/** Child modes: each prints `LISTENING <port>` (and a token for the gateway) once ready. */
async function serve(mode: string, upstreamPort: string): Promise<void> {
  if (mode === 'upstream') {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(PAYLOAD) });
      res.end(PAYLOAD);
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${(server.address() as AddressInfo).port}`));
    return;
  }
  if (mode === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { default: proxy } = await import('@fastify/http-proxy');
    const app = Fastify({ logger: false });
    await app.register(proxy, {
      upstream: `http://127.0.0.1:${upstreamPort}`,
      prefix: '/api/bench',
      rewritePrefix: '/api/bench',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(`LISTENING ${(app.server.address() as AddressInfo).port}`);
    return;
  }
  if (mode === 'gateway') {
    const { MemoryConfigStore } = await import('@lattice/config');
    const { createGatewayApplication } = await import('@lattice-platform/gateway');
    const { generateKeyPair, exportSPKI, exportPKCS8, SignJWT } = await import('jose');
    const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
    const keys = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(join(dir, 'pub.pem'), await exportSPKI(keys.publicKey));
    writeFileSync(join(dir, 'key.pem'), await exportPKCS8(keys.privateKey));
    const store = new MemoryConfigStore();
    await store.publish({
      appId: 'gateway',
      cluster: 'default',
      namespace: 'gateway.routes',
      author: 'bench',
      properties: {
        routes: [
          {
            id: 'bench',
            uri: `http://127.0.0.1:${upstreamPort}`,
            auth: 'user',
            predicates: { path: ['/api/bench/**'], method: ['GET'] },
            filters: [
              { rateLimit: { qps: 10_000_000, burst: 1_000_000, keyBy: 'user' } },
              { circuitBreaker: { failureRateThresholdPercent: 50 } },
            ],
          },
        ],
      },
    });
    const app = await createGatewayApplication({
      configStore: store,
      env: {},
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
      defaults: {
        server: { port: 0, host: '127.0.0.1' },
        log: { level: 'warn' },
        gateway: { identitySecret: 'bench-identity-secret', devToken: { print: false } },
        shutdown: { gracePeriodMs: 1_000, deregistrationDelayMs: 0 },
        auth: { jwt: { algorithm: 'ES256', publicKeyFile: join(dir, 'pub.pem') } },
      },
    });
    await app.start();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ homes: ['home-1'], roles: ['user'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('bench-user')
      .setIssuer('lattice')
      .setAudience('lattice-api')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(keys.privateKey);
    process.once('SIGTERM', () => {
      void app.shutdown().finally(() => process.exit(0));
    });
    console.log(`TOKEN ${token}`);
    console.log(`LISTENING ${app.port}`);
  }
}

function start(mode: string, upstreamPort = '0'): Promise<{ child: ChildProcess; port: number; token?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, mode, upstreamPort], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let token: string | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const t = /TOKEN (\S+)/.exec(out);
      if (t) token = t[1];
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), ...(token === undefined ? {} : { token }) });
    });
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${String(code)}`)));
  });
}

function startNginx(upstreamPort: number): Promise<{ child: ChildProcess; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-nginx-'));
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => {
        writeFileSync(
          join(dir, 'nginx.conf'),
          `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
        );
        const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
        child.once('error', reject);
        setTimeout(() => resolve({ child, port }), 500);
      });
    });
  });
}

interface Row extends HttpLoadFigures {
  variant: string;
}

async function measure(variant: string, url: string, headers: string[] = []): Promise<Row> {
  return { variant, ...(await httpLoad(url, { connections: CONNECTIONS, seconds: DURATION_SECONDS, headers })) };
}

const median = (values: number[]): number => percentile(values, 50);

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const upstream = await start('upstream');
  const children: ChildProcess[] = [upstream.child];
  try {
    // All proxies stay up; rounds interleave the variants so a change in the (shared)
    // machine's load hits them alike, and each variant's median over the rounds is reported.
    const fastify = await start('fastify', String(upstream.port));
    children.push(fastify.child);
    const nginx = await startNginx(upstream.port);
    children.push(nginx.child);
    const gateway = await start('gateway', String(upstream.port));
    children.push(gateway.child);
    const variants: Array<[string, string, string[]]> = [
      ['direct upstream (node:http)', `http://127.0.0.1:${upstream.port}/api/bench/x`, []],
      ['fastify + @fastify/http-proxy', `http://127.0.0.1:${fastify.port}/api/bench/x`, []],
      ['nginx (keepalive 128, 1 worker)', `http://127.0.0.1:${nginx.port}/api/bench/x`, []],
      [
        'lattice gateway (match+JWT+limit+breaker)',
        `http://127.0.0.1:${gateway.port}/api/bench/x`,
        [`authorization=Bearer ${gateway.token ?? ''}`],
      ],
    ];
    for (const [, url, headers] of variants) await httpLoad(url, { connections: CONNECTIONS, seconds: 2, headers }); // warm-up
    const runs: Row[][] = variants.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [name, url, headers]] of variants.entries()) runs[i]!.push(await measure(name, url, headers));
    }
    const rows: Row[] = runs.map((r, i) => ({
      variant: variants[i]![0],
      requestsPerSec: median(r.map((x) => x.requestsPerSec)),
      p50Ms: median(r.map((x) => x.p50Ms)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      errors: r.reduce((sum, x) => sum + x.errors, 0),
    }));
    const [direct, fast, ngx, lattice] = rows as [Row, Row, Row, Row];
    const figures = {
      rows,
      rounds: runs,
      gatewayVsFastify: +(lattice.requestsPerSec / fast.requestsPerSec).toFixed(2),
      gatewayVsNginx: +(lattice.requestsPerSec / ngx.requestsPerSec).toFixed(2),
      gatewayP99OverheadMs: +(lattice.p99Ms - direct.p99Ms).toFixed(2),
      targets: { vsFastify: '>= 1.2', vsNginx: 'aim >= 0.6', p99OverheadMs: '<= 2' },
    };
    printTable(
      `Gateway proxying, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${DURATION_SECONDS} s`,
      rows.map((r) => ({ ...r })),
    );
    printTable('Ratios', [
      {
        'gateway / fastify': figures.gatewayVsFastify,
        'gateway / nginx': figures.gatewayVsNginx,
        'gateway p99 - direct p99 (ms)': figures.gatewayP99OverheadMs,
      },
    ]);
    writeResult('gateway', {
      setup: {
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
        rounds: ROUNDS,
        payloadBytes: PAYLOAD.length,
        nginxWorkers: 1,
      },
      figures,
    });
  } finally {
    for (const child of children) await stop(child);
  }
}

const [mode, upstreamPort = '0'] = process.argv.slice(2);
if (mode === undefined) await main();
else await serve(mode, upstreamPort);
