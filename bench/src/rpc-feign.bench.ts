// Declarative HTTP (Feign-style @lattice/rpc client: discovery + P2C + breaker + timeout +
// tracing API, no exporter) vs raw undici against the same upstream: a node:http server in a
// child process (this file with --serve) echoing a ~100-byte JSON body, 64 concurrent calls,
// both over 16 keep-alive connections. Variants run interleaved in short rounds; medians reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { DiscoveryClient, MemoryRegistry } from '@lattice/discovery';
import { declared, FeignClient, FeignClientFactory, PostMapping, RequestBody } from '@lattice/rpc';
import {
  printTable,
  writeResult,
  closedLoopRound,
  type RoundFigures,
  interleavedRounds,
  percentile,
} from './harness.js';

const CONCURRENCY = 64;
const CONNECTIONS = 16;
const ROUNDS = Number(process.env['RPC_BENCH_ROUNDS'] ?? 9);
const ROUND_MS = Number(process.env['RPC_BENCH_ROUND_MS'] ?? 2000);
const BODY = { message: 'x'.repeat(86) }; // 100 bytes as JSON

interface Echo {
  message: string;
}

@FeignClient({ service: 'echo-http', path: '/v1', connectionsPerInstance: CONNECTIONS })
abstract class EchoApi {
  @PostMapping('/echo')
  say(@RequestBody() _body: Echo): Promise<Echo> {
    return declared();
  }
}

function serve(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
  // The parent holds our stdin: when it dies (even by SIGKILL), we go too.
  process.stdin.on('end', () => process.exit(0)).resume();
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

type Figures = RoundFigures;

/** Client-process CPU µs per call of each round, by variant (robust to a busy machine). */
const cpuByVariant = new Map<string, number[]>();

/** One closed-loop round that also records this process's CPU time (user + system) per call. */
async function round(name: string, call: () => Promise<unknown>): Promise<Figures> {
  let calls = 0;
  const counted = (): Promise<unknown> => {
    calls += 1;
    return call();
  };
  const before = process.cpuUsage();
  const figures = await closedLoopRound(counted, CONCURRENCY, ROUND_MS);
  const used = process.cpuUsage(before);
  const perCall = (used.user + used.system) / Math.max(1, calls);
  cpuByVariant.set(name, [...(cpuByVariant.get(name) ?? []), perCall]);
  return figures;
}

/** Median client CPU µs per call of a variant, and its ratio to the baseline's. */
function cpuColumns(variant: string, baseline: string): { cpuUsPerCall: number; cpuVsRaw: number } {
  const own = percentile(cpuByVariant.get(variant) ?? [], 50);
  const base = percentile(cpuByVariant.get(baseline) ?? [], 50);
  return { cpuUsPerCall: Math.round(own * 10) / 10, cpuVsRaw: base > 0 ? own / base : 0 };
}

async function main(): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /PORT (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('server exited')));
  });

  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS, pipelining: 1 });
  const bodyBytes = JSON.stringify(BODY).length;
  // Raw undici as an application would call a JSON API with it: the body is serialised per call
  // (the Feign client has to), the answer parsed; no pre-serialised payload.
  const rawCall = async (): Promise<unknown> => {
    const response = await pool.request({
      method: 'POST',
      path: '/v1/echo',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BODY),
    });
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    return response.body.json();
  };

  const registry = new MemoryRegistry();
  await registry.register(
    { service: 'echo-http', instanceId: 'echo-http-1', host: '127.0.0.1', ports: { http: port } },
    { leaseTtlMs: 600_000 },
  );
  const discovery = new DiscoveryClient(registry);
  const factory = new FeignClientFactory({ discovery });
  const api = await factory.create(EchoApi);

  const variants: [string, () => Promise<unknown>][] = [
    ['raw undici Pool', rawCall],
    ['@lattice/rpc Feign client', () => api.say(BODY)],
  ];
  // RPC_BENCH_ONLY=<substring> keeps the raw baseline and matching variants (for profiling one with --cpu-prof).
  const only = process.env['RPC_BENCH_ONLY'];
  if (only) variants.splice(0, variants.length, ...variants.filter(([name], i) => i === 0 || name.includes(only)));
  for (const [, call] of variants) for (let i = 0; i < 2000; i += 1) await call();
  const summary = (
    await interleavedRounds(
      variants.map(([name, call]) => [name, () => round(name, call)] as const),
      ROUNDS,
    )
  ).map((row) => ({ ...row, ...cpuColumns(row.variant, 'raw undici Pool') }));
  printTable(
    `rpc-feign: ${CONCURRENCY} concurrent POSTs, ${bodyBytes}-byte JSON, ${CONNECTIONS} keep-alive connections, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms (medians)`,
    summary,
  );
  writeResult('rpc-feign', {
    setup: {
      concurrency: CONCURRENCY,
      connections: CONNECTIONS,
      bodyBytes,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      upstream: 'node:http in a separate process',
      cpu: 'client process user+system CPU µs per call (process.cpuUsage), median over rounds',
    },
    figures: {
      ...Object.fromEntries(summary.map((s) => [s.variant, s])),
      ...(summary[1]
        ? {
            feignThroughputRatio: summary[1].vsRaw,
            feignP99Ratio: summary[1].p99VsRaw,
            feignCpuRatio: summary[1].cpuVsRaw,
          }
        : {}),
    },
  });

  await pool.close();
  await factory.close();
  await discovery.close();
  await registry.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

if (process.argv.includes('--serve')) serve();
else await main();
