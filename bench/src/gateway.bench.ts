// The gateway's data path against a bare reverse proxy in Node (fastify + @fastify/http-proxy)
// and nginx (from apt, upstream keep-alive), side by side in one run against the same node:http
// upstream answering small JSON. The Lattice gateway does route match + JWT verify (ES256) +
// rate limit (never limiting) + circuit breaker on every request; the others proxy bare.
// Every server runs in its own process, and autocannon (64 connections) in another.
//
// Each round measures every variant twice: saturated (closed loop: req/s, p99, server CPU µs per
// request from /proc/<pid>/stat, robust on a busy machine) and at a fixed offered rate (open loop,
// BENCH_FIXED_RATE req/s): there p99 minus the direct p99 is the hop's own latency, not queueing.
//
//   node bench/dist/gateway.bench.js   (BENCH_DURATION_SECONDS=5, BENCH_ROUNDS=3, BENCH_FIXED_RATE=1000 by default)
//   BENCH_GATEWAY_CPU_PROF=<dir> writes the gateway process's CPU profile (node --cpu-prof) there when it stops.
//   BENCH_PROXY_NODE_FLAGS='<flags>' starts both Node proxies (gateway and fastify) with these flags
//   instead of the gateway's deployed ones (PROXY_NODE_FLAGS; '' for Node's defaults).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
/** Fixed offered load for the latency-overhead figures: below every variant's capacity, so latency is per-request work, not queueing. */
const FIXED_RATE = Number(process.env['BENCH_FIXED_RATE'] ?? 1000);
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

/**
 * The gateway's flags in deploy/k8s (NODE_OPTIONS), given to fastify as well. They once hid boot's
 * drain promoting every request to the old generation (gateway CPU per request rose 50 -> 65 µs
 * within a run); since that fix Node's defaults measure within a few % of them.
 */
const PROXY_NODE_FLAGS = '--max-semi-space-size=64';

function start(mode: string, upstreamPort = '0'): Promise<{ child: ChildProcess; port: number; token?: string }> {
  return new Promise((resolve, reject) => {
    const profileDir = mode === 'gateway' ? process.env['BENCH_GATEWAY_CPU_PROF'] : undefined;
    const proxyFlags = mode === 'upstream' ? '' : (process.env['BENCH_PROXY_NODE_FLAGS'] ?? PROXY_NODE_FLAGS);
    const nodeArgs = [
      ...proxyFlags.split(' ').filter((flag) => flag !== ''),
      ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
    ];
    const child = spawn(process.execPath, [...nodeArgs, self, mode, upstreamPort], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
  /** CPU time (user + system) of the server's process(es) per request, in µs. */
  serverCpuUsPerReq: number;
  /** CPU time of the shared upstream per request, in µs. */
  upstreamCpuUsPerReq: number;
  /** Latency at {@link FIXED_RATE} req/s (open loop, same 64 connections). */
  fixedRateP50Ms: number;
  fixedRateP90Ms: number;
  fixedRateP99Ms: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process and its direct children (nginx's worker), in µs; robust to a busy machine. */
function cpuMicros(pid: number): number {
  let ticks = 0;
  const pids = [pid];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (children !== '') pids.push(...children.split(/\s+/).map(Number));
  } catch {
    // no children list: count the process alone
  }
  for (const p of pids) {
    try {
      // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process is gone
    }
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * Child mode `paced`: an open-loop client that sends FIXED_RATE requests per second evenly
 * spaced (not in bursts, as autocannon's `-R` does) over up to 64 keep-alive connections for
 * DURATION_SECONDS, and prints latency percentiles in ms with µs resolution.
 */
async function paced(url: string, header: string): Promise<void> {
  const { Pool } = await import('undici');
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONNECTIONS, pipelining: 1 });
  const headers: Record<string, string> = {};
  if (header !== '') {
    const i = header.indexOf('=');
    headers[header.slice(0, i)] = header.slice(i + 1);
  }
  const latencies: number[] = [];
  let errors = 0;
  const inflight = new Set<Promise<void>>();
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const res = await pool.request({ path: target.pathname, method: 'GET', headers });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
      latencies.push(performance.now() - t0);
    } catch {
      errors++;
    }
  };
  const started = performance.now();
  const endAt = started + DURATION_SECONDS * 1000;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((now - started) * FIXED_RATE) / 1000);
      for (; sent < due && now < endAt; sent++) {
        const p = one();
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (now >= endAt) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inflight);
  await pool.close();
  const ms = (p: number): number => +percentile(latencies, p).toFixed(3);
  console.log(
    `PACED ${JSON.stringify({ p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99), requests: latencies.length, errors })}`,
  );
}

/** Latency at a fixed, evenly paced offered rate, measured by the `paced` child. */
interface PacedFigures {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

function fixedRateLatency(url: string, headers: readonly string[]): Promise<PacedFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, 'paced', url, headers[0] ?? ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => {
      const m = /PACED (\{.*\})/.exec(out);
      if (m === null) reject(new Error('paced client failed'));
      else resolve(JSON.parse(m[1]!) as PacedFigures);
    });
  });
}

async function measure(
  variant: string,
  url: string,
  headers: string[],
  serverPid: number,
  upstreamPid: number,
): Promise<Row> {
  const server0 = cpuMicros(serverPid);
  const upstream0 = cpuMicros(upstreamPid);
  const load = await httpLoad(url, { connections: CONNECTIONS, seconds: DURATION_SECONDS, headers });
  const requests = Math.max(1, load.requestsPerSec * DURATION_SECONDS);
  const upstreamUs = cpuMicros(upstreamPid) - upstream0;
  const serverUs = cpuMicros(serverPid) - server0;
  const fixed = await fixedRateLatency(url, headers);
  return {
    variant,
    ...load,
    serverCpuUsPerReq: +(serverUs / requests).toFixed(1),
    upstreamCpuUsPerReq: +(upstreamUs / requests).toFixed(1),
    fixedRateP50Ms: fixed.p50Ms,
    fixedRateP90Ms: fixed.p90Ms,
    fixedRateP99Ms: fixed.p99Ms,
  };
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
    const pid = (child: ChildProcess): number => child.pid ?? 0;
    const variants: Array<[string, string, string[], number]> = [
      ['direct upstream (node:http)', `http://127.0.0.1:${upstream.port}/api/bench/x`, [], pid(upstream.child)],
      ['fastify + @fastify/http-proxy', `http://127.0.0.1:${fastify.port}/api/bench/x`, [], pid(fastify.child)],
      ['nginx (keepalive 128, 1 worker)', `http://127.0.0.1:${nginx.port}/api/bench/x`, [], pid(nginx.child)],
      [
        'lattice gateway (match+JWT+limit+breaker)',
        `http://127.0.0.1:${gateway.port}/api/bench/x`,
        [`authorization=Bearer ${gateway.token ?? ''}`],
        pid(gateway.child),
      ],
    ];
    for (const [, url, headers] of variants) await httpLoad(url, { connections: CONNECTIONS, seconds: 2, headers }); // warm-up
    const runs: Row[][] = variants.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [name, url, headers, serverPid]] of variants.entries())
        runs[i]!.push(await measure(name, url, headers, serverPid, pid(upstream.child)));
    }
    const rows: Row[] = runs.map((r, i) => ({
      variant: variants[i]![0],
      requestsPerSec: median(r.map((x) => x.requestsPerSec)),
      p50Ms: median(r.map((x) => x.p50Ms)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      errors: r.reduce((sum, x) => sum + x.errors, 0),
      serverCpuUsPerReq: median(r.map((x) => x.serverCpuUsPerReq)),
      upstreamCpuUsPerReq: median(r.map((x) => x.upstreamCpuUsPerReq)),
      fixedRateP50Ms: median(r.map((x) => x.fixedRateP50Ms)),
      fixedRateP90Ms: median(r.map((x) => x.fixedRateP90Ms)),
      fixedRateP99Ms: median(r.map((x) => x.fixedRateP99Ms)),
    }));
    const [direct, fast, ngx, lattice] = rows as [Row, Row, Row, Row];
    const figures = {
      rows,
      rounds: runs,
      gatewayVsFastify: +(lattice.requestsPerSec / fast.requestsPerSec).toFixed(2),
      gatewayVsNginx: +(lattice.requestsPerSec / ngx.requestsPerSec).toFixed(2),
      // Per-round ratios (each variant against the one that ran next to it in time), then the median.
      gatewayVsFastifyPerRound: +median(runs[3]!.map((g, r) => g.requestsPerSec / runs[1]![r]!.requestsPerSec)).toFixed(
        2,
      ),
      gatewayVsNginxPerRound: +median(runs[3]!.map((g, r) => g.requestsPerSec / runs[2]![r]!.requestsPerSec)).toFixed(
        2,
      ),
      gatewayP99OverheadMs: +(lattice.p99Ms - direct.p99Ms).toFixed(2),
      fastifyP99OverheadMs: +(fast.p99Ms - direct.p99Ms).toFixed(2),
      nginxP99OverheadMs: +(ngx.p99Ms - direct.p99Ms).toFixed(2),
      gatewayCpuVsFastify: +(lattice.serverCpuUsPerReq / fast.serverCpuUsPerReq).toFixed(2),
      // At a fixed rate every variant has spare capacity: the difference to direct is the hop's own latency.
      fixedRate: FIXED_RATE,
      gatewayFixedRateP50OverheadMs: +(lattice.fixedRateP50Ms - direct.fixedRateP50Ms).toFixed(3),
      gatewayFixedRateP90OverheadMs: +(lattice.fixedRateP90Ms - direct.fixedRateP90Ms).toFixed(3),
      gatewayFixedRateP99OverheadMs: +(lattice.fixedRateP99Ms - direct.fixedRateP99Ms).toFixed(2),
      fastifyFixedRateP99OverheadMs: +(fast.fixedRateP99Ms - direct.fixedRateP99Ms).toFixed(2),
      nginxFixedRateP99OverheadMs: +(ngx.fixedRateP99Ms - direct.fixedRateP99Ms).toFixed(2),
      targets: { vsFastify: '>= 1.2', vsNginx: 'aim >= 0.6', p99OverheadMs: '<= 2' },
    };
    printTable(
      `Gateway proxying, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${DURATION_SECONDS} s`,
      rows.map((r) => ({ ...r })),
    );
    printTable('Ratios', [
      {
        'gateway / fastify': figures.gatewayVsFastify,
        'per round': figures.gatewayVsFastifyPerRound,
        'gateway / nginx': figures.gatewayVsNginx,
        'p99 over direct (ms): gateway': figures.gatewayP99OverheadMs,
        fastify: figures.fastifyP99OverheadMs,
        nginx: figures.nginxP99OverheadMs,
        'CPU/req gateway / fastify': figures.gatewayCpuVsFastify,
      },
    ]);
    printTable(`Latency over direct at a fixed ${FIXED_RATE} req/s, evenly paced (ms)`, [
      {
        'gateway p50': figures.gatewayFixedRateP50OverheadMs,
        'gateway p90': figures.gatewayFixedRateP90OverheadMs,
        'gateway p99': figures.gatewayFixedRateP99OverheadMs,
        'fastify p99': figures.fastifyFixedRateP99OverheadMs,
        'nginx p99': figures.nginxFixedRateP99OverheadMs,
      },
    ]);
    writeResult('gateway', {
      setup: {
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
        rounds: ROUNDS,
        fixedRatePerSecond: FIXED_RATE,
        payloadBytes: PAYLOAD.length,
        nginxWorkers: 1,
      },
      figures,
    });
  } finally {
    for (const child of children) await stop(child);
  }
}

const [mode, upstreamPort = '0', header = ''] = process.argv.slice(2);
if (mode === undefined) await main();
else if (mode === 'paced') await paced(upstreamPort, header);
else await serve(mode, upstreamPort);
