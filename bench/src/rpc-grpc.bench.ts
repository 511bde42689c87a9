// Unary request/response side by side on loopback, 64 concurrent calls, 100-byte messages:
// raw @grpc/grpc-js vs the @lattice/rpc standard client (discovery + P2C + breaker + tracing
// API, no exporter) vs the Lattice fast path vs Moleculer request/response over NATS.
// Servers run in a child process (this file with --serve); the load runs here. The machine is
// shared, so variants run interleaved in several short rounds and the medians are reported.
// Moleculer and nats are optional: resolved from the repo, or from RPC_BENCH_DEPS_DIR (a
// directory with node_modules/moleculer and node_modules/nats); nats-server comes from PATH.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { DiscoveryClient, MemoryRegistry } from '@lattice/discovery';
import { GrpcClient, GrpcServer, loadGrpcService, type GrpcServiceContract } from '@lattice/rpc';
import {
  printTable,
  writeResult,
  closedLoopRound,
  type RoundFigures,
  interleavedRounds,
  percentile,
} from './harness.js';

const PROTO = fileURLToPath(new URL('../../proto/lattice/test/v1/echo.proto', import.meta.url));
const CONCURRENCY = 64;
const ROUNDS = Number(process.env['RPC_BENCH_ROUNDS'] ?? 9);
const ROUND_MS = Number(process.env['RPC_BENCH_ROUND_MS'] ?? 2000);
const MESSAGE = 'x'.repeat(100);

interface EchoRequest {
  message: string;
}
interface EchoReply {
  message: string;
}

/** The parts of Moleculer's API the benchmark uses. */
interface Broker {
  start(): Promise<void>;
  stop(): Promise<void>;
  createService(schema: { name: string; actions: Record<string, (ctx: { params: EchoRequest }) => EchoReply> }): void;
  waitForServices(names: string[], timeoutMs: number): Promise<void>;
  call(action: string, params: EchoRequest): Promise<EchoReply>;
}
type BrokerConstructor = new (options: Record<string, unknown>) => Broker;

function loadMoleculer(): BrokerConstructor | undefined {
  const roots = [
    import.meta.url,
    ...(process.env['RPC_BENCH_DEPS_DIR'] ? [join(process.env['RPC_BENCH_DEPS_DIR'], 'x.js')] : []),
  ];
  for (const root of roots) {
    try {
      const req = createRequire(root);
      req.resolve('nats');
      return (req('moleculer') as { ServiceBroker: BrokerConstructor }).ServiceBroker;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

function contract(): GrpcServiceContract {
  return loadGrpcService({ protoPath: PROTO, package: 'lattice.test.v1', service: 'Echo' });
}

async function serve(): Promise<void> {
  const server = new GrpcServer({ host: '127.0.0.1', port: 0 });
  const say = (request: EchoRequest): EchoReply => ({ message: request.message });
  const unused = (): never => {
    throw new Error('not used by the benchmark');
  };
  server.addService<Record<string, never>>(contract(), {
    Say: say,
    Write: say,
    Relay: unused,
    Count: unused,
    Collect: unused,
    Chat: unused,
  });
  const port = await server.start();
  server.onRegister();
  let broker: Broker | undefined;
  const natsUrl = process.env['RPC_BENCH_NATS_URL'];
  const ServiceBroker = loadMoleculer();
  if (natsUrl && ServiceBroker) {
    broker = new ServiceBroker({ nodeID: 'bench-server', transporter: natsUrl, logger: false });
    broker.createService({ name: 'echo', actions: { say: (ctx) => ({ message: ctx.params.message }) } });
    await broker.start();
  }
  process.stdout.write(`PORT ${port}\n`);
  // The parent holds our stdin: when it dies (even by SIGKILL), we go too.
  process.stdin.on('end', () => process.exit(0)).resume();
  process.on('SIGTERM', () => {
    void Promise.all([server.drain(Date.now()), broker?.stop()]).then(() => process.exit(0));
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startNats(): Promise<{ url: string; process: ChildProcess } | undefined> {
  if (spawnSync('nats-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { url: `nats://127.0.0.1:${port}`, process: child };
}

async function main(): Promise<void> {
  const ServiceBroker = loadMoleculer();
  const nats = ServiceBroker ? await startNats() : undefined;
  const skipped = !ServiceBroker ? 'moleculer/nats not installed' : !nats ? 'nats-server not on PATH' : undefined;
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...(nats ? { RPC_BENCH_NATS_URL: nats.url } : {}) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /PORT (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('server exited')));
  });
  const echo = contract();
  const def = echo.definition['Say'] as grpc.MethodDefinition<EchoRequest, EchoReply>;
  const address = `127.0.0.1:${port}`;

  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  const rawCall = (): Promise<unknown> =>
    new Promise((resolve, reject) =>
      raw.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { message: MESSAGE }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );

  const registry = new MemoryRegistry();
  await registry.register(
    { service: 'echo', instanceId: 'echo-1', host: '127.0.0.1', ports: { grpc: port } },
    { leaseTtlMs: 600_000 },
  );
  const discovery = new DiscoveryClient(registry);
  const standard = new GrpcClient({ service: 'echo', contract: echo, discovery, fastPath: false, caller: 'bench' });
  const fast = new GrpcClient({ service: 'echo', contract: echo, discovery, fastPath: true, caller: 'bench' });
  type Stub = { Say(r: EchoRequest): Promise<EchoReply> };
  const standardStub = standard.stub<never>() as unknown as Stub;
  const fastStub = fast.stub<never>() as unknown as Stub;

  let broker: Broker | undefined;
  if (ServiceBroker && nats) {
    broker = new ServiceBroker({ nodeID: 'bench-client', transporter: nats.url, logger: false });
    await broker.start();
    await broker.waitForServices(['echo'], 10_000);
  }

  const variants: [string, () => Promise<unknown>][] = [
    ['raw @grpc/grpc-js unary', rawCall],
    ['@lattice/rpc standard', () => standardStub.Say({ message: MESSAGE })],
    ['@lattice/rpc fast path', () => fastStub.Say({ message: MESSAGE })],
    ...(broker ? [['Moleculer over NATS', () => broker.call('echo.say', { message: MESSAGE })] as const] : []),
  ] as [string, () => Promise<unknown>][];
  // RPC_BENCH_ONLY=<substring> keeps the raw baseline and matching variants (for profiling with --cpu-prof).
  const only = process.env['RPC_BENCH_ONLY'];
  if (only) {
    variants.splice(0, variants.length, ...variants.filter(([name], i) => i === 0 || name.includes(only)));
  }
  for (const [, call] of variants) for (let i = 0; i < 2000; i += 1) await call(); // warm-up (and negotiation)

  const summary = (
    await interleavedRounds(
      variants.map(([name, call]) => [name, () => round(name, call)] as const),
      ROUNDS,
    )
  ).map((row) => ({ ...row, ...cpuColumns(row.variant, 'raw @grpc/grpc-js unary') }));
  printTable(
    `rpc-grpc: ${CONCURRENCY} concurrent unary calls, ${MESSAGE.length}-byte messages, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms (medians)`,
    summary,
  );
  const byName = new Map(summary.map((s) => [s.variant, s]));
  const fastRow = byName.get('@lattice/rpc fast path');
  const standardRow = byName.get('@lattice/rpc standard');
  const moleculerRow = byName.get('Moleculer over NATS');
  const ratios = {
    ...(standardRow
      ? {
          standardThroughputRatio: standardRow.vsRaw,
          standardP99Ratio: standardRow.p99VsRaw,
          standardCpuRatio: standardRow.cpuVsRaw,
        }
      : {}),
    ...(fastRow ? { fastPathThroughputRatio: fastRow.vsRaw, fastPathP99Ms: fastRow.p99Ms } : {}),
    ...(moleculerRow && fastRow
      ? {
          // Both measured against the same raw baseline in each round.
          fastPathVsMoleculer: fastRow.vsRaw / moleculerRow.vsRaw,
        }
      : {}),
  };
  printTable('rpc-grpc ratios', [ratios]);
  if (skipped) process.stdout.write(`Moleculer over NATS skipped: ${skipped}\n`);
  writeResult('rpc-grpc', {
    setup: {
      concurrency: CONCURRENCY,
      messageBytes: MESSAGE.length,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      serverProcess: 'separate',
      cpu: 'client process user+system CPU µs per call (process.cpuUsage), median over rounds',
      ...(skipped ? { moleculerSkipped: skipped } : { moleculerTransport: 'NATS (nats-server from PATH)' }),
    },
    figures: { ...Object.fromEntries(summary.map((s) => [s.variant, s])), ...ratios },
  });

  raw.close();
  await standard.close();
  await fast.close();
  await broker?.stop();
  await discovery.close();
  await registry.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  if (nats) {
    nats.process.kill('SIGTERM');
    await new Promise((resolve) => nats.process.once('exit', resolve));
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
