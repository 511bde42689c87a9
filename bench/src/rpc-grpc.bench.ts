// Unary gRPC side by side on loopback: raw @grpc/grpc-js vs the @lattice/rpc standard client
// (discovery + P2C + breaker + tracing API, no exporter) vs the Lattice fast path.
// The server runs in a child process (this file with --serve); the load runs here.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { DiscoveryClient, MemoryRegistry } from '@lattice/discovery';
import { GrpcClient, GrpcServer, loadGrpcService, type GrpcServiceContract } from '@lattice/rpc';
import { percentile, printTable, writeResult } from './harness.js';

const PROTO = fileURLToPath(new URL('../../proto/lattice/test/v1/echo.proto', import.meta.url));
const CONCURRENCY = 64;
const DURATION_MS = Number(process.env['RPC_BENCH_DURATION_MS'] ?? 5000);
const MESSAGE = 'x'.repeat(100);

interface EchoRequest {
  message: string;
}
interface EchoReply {
  message: string;
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
  process.stdout.write(`PORT ${port}\n`);
  process.on('SIGTERM', () => void server.drain(Date.now()).then(() => process.exit(0)));
}

async function run(call: () => Promise<unknown>): Promise<{ callsPerSecond: number; p50Ms: number; p99Ms: number }> {
  for (let i = 0; i < 2000; i += 1) await call(); // warm-up (and fast-path negotiation)
  const latencies: number[] = [];
  const endAt = performance.now() + DURATION_MS;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    callsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function main(): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
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

  const rawResult = await run(rawCall);
  const standardResult = await run(() => standardStub.Say({ message: MESSAGE }));
  const fastResult = await run(() => fastStub.Say({ message: MESSAGE }));

  const rows = [
    { variant: 'raw @grpc/grpc-js unary', ...rawResult, vsRaw: 1 },
    {
      variant: '@lattice/rpc standard',
      ...standardResult,
      vsRaw: standardResult.callsPerSecond / rawResult.callsPerSecond,
    },
    { variant: '@lattice/rpc fast path', ...fastResult, vsRaw: fastResult.callsPerSecond / rawResult.callsPerSecond },
  ];
  printTable(
    `rpc-grpc: ${CONCURRENCY} concurrent unary calls, ${MESSAGE.length}-byte messages, ${DURATION_MS} ms each`,
    rows,
  );
  writeResult('rpc-grpc', {
    setup: {
      concurrency: CONCURRENCY,
      messageBytes: MESSAGE.length,
      durationMs: DURATION_MS,
      serverProcess: 'separate',
    },
    figures: {
      raw: rawResult,
      standard: standardResult,
      fastPath: fastResult,
      standardThroughputRatio: rows[1]!.vsRaw,
      standardP99Ratio: standardResult.p99Ms / rawResult.p99Ms,
      fastPathThroughputRatio: rows[2]!.vsRaw,
    },
  });

  raw.close();
  await standard.close();
  await fast.close();
  await discovery.close();
  await registry.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

if (process.argv.includes('--serve')) await serve();
else await main();
