// Device hub link at scale (issue 7): hub streams per instance and bytes per hub, telemetry
// ingest, and the command round trip across two replicas. The device servers and the hub
// simulators run in separate processes; this process drives them and measures. The floor
// phase first measures a bare grpc-js stream server and clients on this machine.
//
//   node bench/dist/device-link.bench.js [--hubs 19500] [--workers 4] [--ingest-rate 32000]
//                                        [--cmd-rate 500] [--cmd-seconds 10]
//                                        [--phases floor,scale,reconnect,ingest,ingest-wire,commands]
//                                        [--server-prof <dir>] [--server-node-flags=<flags>]
//                                        [--ingest-steps 24000,24000] [--sim-prof <dir>]
// --ingest-steps offers exactly these rates, one step each, and keeps going past a step that
// falls short: how an overloaded instance holds up over time (does it degrade or collapse).
// Ingest is measured twice over the same hubs: with the grpc-js hub simulators as load
// (phase ingest), then with lean wire-level hubs (phase ingest-wire, hub-wire-load.ts), whose
// ~9 µs per frame leave the server the core it needs on a 2-core machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { GrpcClient, type GrpcStub } from '@lattice/rpc';
import {
  deviceServiceContract,
  HubSimulator,
  type DeviceServiceClient,
  type SimulatedHubCredentials,
} from '@lattice-platform/device';
import { percentile, printTable, writeResult } from './harness.js';
import { WireHubLoad } from './hub-wire-load.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const deviceMain = join(root, 'apps', 'device', 'dist', 'main.js');
const self = fileURLToPath(import.meta.url);
const TICKS_PER_S = 100;

// ---------------------------------------------------------------- simulator worker process
interface WorkerConfig {
  target: string;
  hubs: SimulatedHubCredentials[];
  rate: number;
  spreadMs: number;
}

function readWorkerConfig(file: string): WorkerConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as WorkerConfig;
}

async function runWorker(configFile: string): Promise<void> {
  const config = readWorkerConfig(configFile);
  const sim = new HubSimulator({
    target: config.target,
    hubs: config.hubs,
    devicesPerHub: 2,
    telemetryRatePerHub: config.rate,
    reconnectBaseMs: 1000,
    reconnectMaxMs: 10_000,
  });
  sim.start(config.spreadMs);
  const report = setInterval(() => process.stdout.write(`STATS ${JSON.stringify(sim.stats)}\n`), 1000);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'rate') sim.setTelemetryRate(Number(arg));
    if (cmd === 'drop') for (const hub of config.hubs) sim.dropConnection(hub.hubId);
    if (cmd === 'stop') break;
  }
  clearInterval(report);
  await sim.stop();
  process.exit(0);
}

// The same worker protocol over the lean wire-level hubs (hub-wire-load.ts).
async function runWireWorker(configFile: string): Promise<void> {
  const config = readWorkerConfig(configFile);
  const load = new WireHubLoad(config.target, config.hubs, 2);
  load.setTelemetryRate(config.rate);
  load.start(config.spreadMs);
  const report = setInterval(() => process.stdout.write(`STATS ${JSON.stringify(load.stats)}\n`), 1000);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'rate') load.setTelemetryRate(Number(arg));
    if (cmd === 'stop') break;
  }
  clearInterval(report);
  load.stop();
  process.exit(0);
}

// ---------------------------------------------------------------- grpc-js floor processes
// A bare grpc-js bidi server that only counts messages, and clients that each hold their own
// connection and write a 70-byte message at a rate: what one frame costs on this machine
// before any Lattice or device code runs. It bounds what the ingest steps can reach.
const FLOOR_METHOD = {
  Connect: {
    path: '/lattice.bench.v1.Floor/Connect',
    requestStream: true,
    responseStream: true,
    requestSerialize: (b: Buffer): Buffer => b,
    requestDeserialize: (b: Buffer): Buffer => b,
    responseSerialize: (b: Buffer): Buffer => b,
    responseDeserialize: (b: Buffer): Buffer => b,
  },
} satisfies grpc.ServiceDefinition;

function runFloorServer(): void {
  const server = new grpc.Server();
  let messages = 0;
  server.addService(FLOOR_METHOD, {
    Connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', () => messages++);
      call.on('error', () => undefined);
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.stdout.write(`PORT ${port}\n`);
  });
  setInterval(() => process.stdout.write(`COUNT ${messages}\n`), 500);
}

function runFloorClient(port: number, connections: number, rate: number): void {
  const Client = grpc.makeGenericClientConstructor(FLOOR_METHOD, 'Floor');
  const message = Buffer.alloc(70, 7);
  const periodMs = (1000 * connections) / rate;
  for (let i = 0; i < connections; i++) {
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const call = (client as unknown as { Connect(): grpc.ClientDuplexStream<Buffer, Buffer> }).Connect();
    call.on('error', () => undefined);
    setTimeout(() => setInterval(() => call.write(message), periodMs), Math.random() * periodMs);
  }
}

async function floor(connections: number, rate: number, clients: number): Promise<Record<string, unknown>> {
  const server = spawn(process.execPath, [self, '--floor-server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let port = 0;
  let messages = 0;
  createInterface({ input: server.stdout }).on('line', (line) => {
    if (line.startsWith('PORT ')) port = Number(line.slice(5));
    if (line.startsWith('COUNT ')) messages = Number(line.slice(6));
  });
  const children: ChildProcess[] = [];
  try {
    while (port === 0) await sleep(50);
    for (let i = 0; i < clients; i++) {
      const args = [self, '--floor-client', String(port), String(connections / clients), String(rate / clients)];
      children.push(spawn(process.execPath, args, { stdio: 'ignore' }));
    }
    await sleep(15_000); // connect, then every connection is writing
    const cpu = (): [number, number] => [cpuSeconds(server.pid!), children.reduce((t, c) => t + cpuSeconds(c.pid!), 0)];
    const [s0, c0] = cpu();
    const m0 = messages;
    await sleep(10_000);
    const [s1, c1] = cpu();
    const received = Math.max(1, messages - m0);
    return {
      floorConnections: connections,
      floorMessagesPerS: Math.round(received / 10),
      floorServerCpuUsPerMessage: Math.round(((s1 - s0) / received) * 1e7) / 10,
      floorClientCpuUsPerMessage: Math.round(((c1 - c0) / received) * 1e7) / 10,
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    server.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- helpers
interface Worker {
  readonly child: ChildProcess;
  stats: {
    connected: number;
    connects?: number;
    welcomes?: number;
    telemetrySent: number;
    commandsAnswered: number;
    windowBlocked?: number;
    streamErrors?: Record<string, number>;
  };
  send(line: string): void;
}

function startWorker(
  target: string,
  hubs: SimulatedHubCredentials[],
  rate: number,
  spreadMs: number,
  load: 'simulator' | 'wire' = 'simulator',
): Worker {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ target, hubs, rate, spreadMs }));
  const prof = simulatorProfDir ? ['--cpu-prof', '--cpu-prof-dir', simulatorProfDir] : [];
  const child = spawn(
    process.execPath,
    [...prof, '--max-old-space-size=4096', self, load === 'wire' ? '--wire-worker' : '--sim-worker', file],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const worker: Worker = {
    child,
    stats: { connected: 0, telemetrySent: 0, commandsAnswered: 0 },
    send: (line) => child.stdin?.write(`${line}\n`),
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('STATS ')) worker.stats = JSON.parse(line.slice(6)) as Worker['stats'];
  });
  return worker;
}

async function stopWorkers(workers: readonly Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
          w.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          w.send('stop');
        }),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface DeviceProcess {
  readonly child: ChildProcess;
  readonly hubTarget: string;
  readonly internalTarget: string;
  readonly httpUrl: string;
  stop(): Promise<void>;
}

// Set by --server-prof <dir>: device servers write a CPU profile there when they exit.
let serverProfDir: string | undefined;
// Set by --sim-prof <dir>: the simulator processes write theirs there.
let simulatorProfDir: string | undefined;
// Node flags of the device servers (--server-node-flags); a larger young generation keeps
// short-lived per-frame objects out of the old one (see the README's Benchmark section).
let serverNodeFlags: string[] = [];

async function startDeviceProcess(env: Record<string, string>): Promise<DeviceProcess> {
  const [http, hub, grpc] = [await freePort(), await freePort(), await freePort()];
  const prof = serverProfDir ? ['--cpu-prof', '--cpu-prof-dir', serverProfDir] : [];
  const child = spawn(process.execPath, [...prof, ...serverNodeFlags, deviceMain], {
    env: {
      ...process.env,
      LATTICE_BACKEND: 'memory',
      LATTICE_DEVICE__SERVER__PORT: String(http),
      LATTICE_DEVICE__SERVER__HOST: '127.0.0.1',
      LATTICE_DEVICE__LOG__LEVEL: 'error',
      LATTICE_DEVICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE_DEVICE__SHUTDOWN__GRACE_PERIOD_MS: '2000',
      LATTICE_DEVICE__DEVICE__GRPC_HOST: '127.0.0.1',
      LATTICE_DEVICE__DEVICE__ADVERTISE_HOST: '127.0.0.1',
      LATTICE_DEVICE__DEVICE__HUB_LINK_PORT: String(hub),
      LATTICE_DEVICE__DEVICE__INTERNAL_GRPC_PORT: String(grpc),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const httpUrl = `http://127.0.0.1:${http}`;
  const until = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${httpUrl}/health/ready`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until || child.exitCode !== null) throw new Error('device process did not become ready');
    await sleep(200);
  }
  return {
    child,
    hubTarget: `127.0.0.1:${hub}`,
    internalTarget: `127.0.0.1:${grpc}`,
    httpUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

function streamErrorsOf(workers: readonly Worker[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const w of workers) {
    for (const [code, n] of Object.entries(w.stats.streamErrors ?? {})) errors[code] = (errors[code] ?? 0) + n;
  }
  return errors;
}

function simulatorCpu(workers: readonly Worker[]): number {
  return workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid!), 0);
}

async function metric(url: string, name: string): Promise<number> {
  return (await metrics(url, [name]))[0] as number;
}

/** Several figures from one scrape (each scrape costs the server CPU of its own at ~20k hubs). */
async function metrics(url: string, names: readonly string[]): Promise<number[]> {
  // A saturated server may answer slowly; give up rather than hang the benchmark.
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
  const sums = names.map(() => 0);
  for (const line of text.split('\n')) {
    names.forEach((name, i) => {
      if (line.startsWith(name)) sums[i] = (sums[i] as number) + Number(line.split(' ').pop());
    });
  }
  return sums;
}

async function provision(target: string, count: number, homeId: string): Promise<SimulatedHubCredentials[]> {
  const client = new GrpcClient({
    service: 'device',
    contract: deviceServiceContract(),
    address: target,
    timeoutMs: 30_000,
  });
  const api: GrpcStub<DeviceServiceClient> = client.stub<DeviceServiceClient>();
  const out: SimulatedHubCredentials[] = [];
  while (out.length < count) {
    const batch = Array.from({ length: Math.min(200, count - out.length) }, () => api.ProvisionHub({ homeId }));
    for (const r of await Promise.all(batch)) out.push({ hubId: r.hubId, secret: r.secret, homeId });
  }
  await client.close();
  return out;
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

// ---------------------------------------------------------------- phases
async function scaleAndIngest(
  hubs: number,
  workersCount: number,
  ingestRate: number,
  phases: Set<string>,
  ingestSteps: readonly number[] | undefined,
): Promise<Record<string, unknown>> {
  const device = await startDeviceProcess({});
  const pid = device.child.pid!;
  const figures: Record<string, unknown> = {};
  const workers: Worker[] = [];
  try {
    const t0 = Date.now();
    const creds = await provision(device.internalTarget, hubs, 'home-bench');
    const provisionS = (Date.now() - t0) / 1000;
    await sleep(2000);
    const rssBefore = rssBytes(pid);
    const heapBefore = await metric(device.httpUrl, 'nodejs_heap_size_used_bytes');
    const perWorker = Math.ceil(hubs / workersCount);
    const spreadMs = Math.max(5_000, hubs * 2);
    for (let i = 0; i < workersCount; i++) {
      workers.push(startWorker(device.hubTarget, creds.slice(i * perWorker, (i + 1) * perWorker), 0, spreadMs));
    }
    const connectStart = Date.now();
    const cpuBeforeConnect = cpuSeconds(pid);
    const simCpuBeforeConnect = simulatorCpu(workers);
    const until = Date.now() + spreadMs + 180_000;
    // Progress comes from the simulators (hubs welcomed), not from the server's /metrics: a
    // scrape walks every socket handle and /proc/self/fd, which at ~20k hubs costs the server
    // tens of milliseconds each time, and polling it every second skewed the figures.
    const connectedNow = (): number => workers.reduce((sum, w) => sum + w.stats.connected, 0);
    while (connectedNow() < hubs) {
      if (Date.now() > until) break;
      await sleep(1000);
    }
    const connected = await metric(device.httpUrl, 'lattice_device_connected_hubs');
    const connectS = (Date.now() - connectStart) / 1000;
    const connectCpuS = cpuSeconds(pid) - cpuBeforeConnect;
    const connectSimCpuS = simulatorCpu(workers) - simCpuBeforeConnect;
    await sleep(5000);
    const rssAfter = rssBytes(pid);
    const heapAfter = await metric(device.httpUrl, 'nodejs_heap_size_used_bytes');
    const streamErrors = streamErrorsOf(workers);
    Object.assign(figures, {
      hubsConnected: connected,
      simulatorConnectAttempts: workers.reduce((sum, w) => sum + (w.stats.connects ?? 0), 0),
      simulatorStreamErrors: JSON.stringify(streamErrors),
      provisionSeconds: provisionS,
      connectSeconds: connectS,
      serverCpuSecondsForConnects: Math.round(connectCpuS * 10) / 10,
      serverCpuMsPerConnect: Math.round((connectCpuS / Math.max(1, connected)) * 1000 * 100) / 100,
      simulatorCpuMsPerConnect: Math.round((connectSimCpuS / Math.max(1, connected)) * 1000 * 100) / 100,
      serverRssBeforeMiB: mb(rssBefore),
      serverRssWithHubsMiB: mb(rssAfter),
      bytesPerHub: Math.round((rssAfter - rssBefore) / Math.max(1, connected)),
      // Where the bytes go: JavaScript heap (sessions, streams, stores) vs the rest (nghttp2
      // sessions, socket buffers, allocator slack).
      jsHeapBytesPerHub: Math.round((heapAfter - heapBefore) / Math.max(1, connected)),
      offHeapBytesPerHub: Math.round((rssAfter - rssBefore - (heapAfter - heapBefore)) / Math.max(1, connected)),
    });

    // What merely holding the hubs costs: heartbeats (ping/pong), transport keepalives, the
    // presence sweep. Every other figure pays this on top.
    const idleWindowS = 10;
    const idleCpu0 = cpuSeconds(pid);
    const idleSimCpu0 = simulatorCpu(workers);
    await sleep(idleWindowS * 1000);
    const idleCpuS = cpuSeconds(pid) - idleCpu0;
    const idleSimCpuS = simulatorCpu(workers) - idleSimCpu0;
    Object.assign(figures, {
      idleServerCpuCores: Math.round((idleCpuS / idleWindowS) * 1000) / 1000,
      idleServerCpuUsPerHubPerS: Math.round((idleCpuS / idleWindowS / Math.max(1, connected)) * 1e6 * 100) / 100,
      idleSimulatorCpuCores: Math.round((idleSimCpuS / idleWindowS) * 1000) / 1000,
    });

    if (phases.has('reconnect')) {
      // A reconnect storm: every hub loses its connection at once and comes back (back-off
      // 1-2 s). Verified secrets are remembered, so these connects skip the scrypt check.
      const hits0 = await metric(device.httpUrl, 'lattice_device_auth_cache_hits_total');
      const welcomed = (): number => workers.reduce((sum, w) => sum + (w.stats.welcomes ?? 0), 0);
      const welcomes0 = welcomed();
      const cpu0 = cpuSeconds(pid);
      const simCpu0 = simulatorCpu(workers);
      const errors0 = streamErrorsOf(workers);
      const started = Date.now();
      for (const w of workers) w.send('drop');
      const back = Date.now() + 180_000;
      // Back once every hub got a new welcome (the simulators report every second).
      while ((welcomed() - welcomes0 < connected || connectedNow() < connected) && Date.now() < back) await sleep(1000);
      const reconnectCpuS = cpuSeconds(pid) - cpu0;
      const reconnectSimCpuS = simulatorCpu(workers) - simCpu0;
      const errors1 = streamErrorsOf(workers);
      const reconnectErrors: Record<string, number> = {};
      for (const [code, n] of Object.entries(errors1)) {
        if (n > (errors0[code] ?? 0)) reconnectErrors[code] = n - (errors0[code] ?? 0);
      }
      const hits = (await metric(device.httpUrl, 'lattice_device_auth_cache_hits_total')) - hits0;
      Object.assign(figures, {
        reconnectSeconds: (Date.now() - started) / 1000,
        reconnectsSkippingScrypt: hits,
        serverCpuMsPerReconnect: Math.round((reconnectCpuS / Math.max(1, hits)) * 1000 * 100) / 100,
        simulatorCpuMsPerReconnect: Math.round((reconnectSimCpuS / Math.max(1, hits)) * 1000 * 100) / 100,
        // CANCELLED: the drops themselves.
        reconnectStreamErrors: JSON.stringify(reconnectErrors),
      });
      await sleep(2000);
    }

    printTable(
      'scale',
      Object.entries(figures).map(([figure, value]) => ({ figure, value })),
    );

    if (phases.has('ingest')) {
      const steps = ingestSteps ?? [0.25, 0.5, 0.75, 1].map((f) => Math.round(ingestRate * f));
      const simulated = await ingest(device, workers, connected, steps, ingestSteps !== undefined);
      printTable('ingest, grpc-js hub simulators as load (telemetry frames across all hubs)', simulated.rows);
      Object.assign(figures, { ingestMaxFramesPerSecond: simulated.best, ingestSteps: simulated.rows });
    }
    if (phases.has('ingest-wire')) {
      // The same hubs again, now from the lean wire-level load generator (hub-wire-load.ts):
      // what the server ingests when the load side costs ~10 µs per frame instead of ~45.
      await stopWorkers(workers.splice(0));
      await sleep(3000);
      for (let i = 0; i < workersCount; i++) {
        const slice = creds.slice(i * perWorker, (i + 1) * perWorker);
        workers.push(startWorker(device.hubTarget, slice, 0, spreadMs, 'wire'));
      }
      const until = Date.now() + spreadMs + 180_000;
      while (connectedNow() < hubs && Date.now() < until) await sleep(1000);
      const wireConnected = await metric(device.httpUrl, 'lattice_device_connected_hubs');
      await sleep(3000);
      const steps = ingestSteps ?? [0.5, 0.75, 1, 1.25].map((f) => Math.round(ingestRate * f));
      const wire = await ingest(device, workers, wireConnected, steps, ingestSteps !== undefined);
      printTable('ingest, wire-level hubs as load (telemetry frames across all hubs)', wire.rows);
      Object.assign(figures, {
        wireHubsConnected: wireConnected,
        wireIngestMaxFramesPerSecond: wire.best,
        wireIngestSteps: wire.rows,
      });
    }
  } finally {
    await stopWorkers(workers);
    await device.stop();
  }
  return figures;
}

/** Steps the offered telemetry load over the connected hubs and measures each step. */
async function ingest(
  device: DeviceProcess,
  workers: readonly Worker[],
  connected: number,
  steps: readonly number[],
  keepGoing: boolean,
): Promise<{ best: number; rows: Record<string, unknown>[] }> {
  const pid = device.child.pid!;
  // Step the offered load up to the target; stop at the first step that falls short: the
  // server ingesting < 90 % of what the simulators sent (server-bound), the simulators
  // sending < 90 % of what was offered (the load generator is the limit), or /metrics
  // unanswered. At ~20k hubs a hub sends a frame every few seconds, so the window covers
  // several periods (a 5 s window was mostly rounding).
  const rows: Record<string, unknown>[] = [];
  let best = 0;
  for (const offered of steps) {
    const periodS = Math.max(1, connected) / offered;
    for (const w of workers) w.send(`rate ${offered / Math.max(1, connected)}`);
    await sleep(Math.max(3000, 2 * periodS * 1000)); // warm up: every hub is sending
    const windowS = Math.max(10, 4 * periodS);
    try {
      const [f0 = 0, held0 = 0] = await metrics(device.httpUrl, [
        'lattice_device_frames_total{type="telemetry"}',
        'lattice_device_reads_held_total',
      ]);
      const sent0 = workers.reduce((sum, w) => sum + w.stats.telemetrySent, 0);
      const cpu0 = cpuSeconds(pid);
      const simCpu0 = simulatorCpu(workers);
      const errors0 = streamErrorsOf(workers);
      const started = Date.now();
      await sleep(windowS * 1000);
      // Event-loop delay over the window (prom-client resets it at every scrape): how late
      // health checks, metrics and new connections are answered at this load.
      const [f1 = 0, lagP99 = 0, heapUsed = 0, held1 = 0] = await metrics(device.httpUrl, [
        'lattice_device_frames_total{type="telemetry"}',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_used_bytes',
        'lattice_device_reads_held_total',
      ]);
      const elapsed = (Date.now() - started) / 1000;
      const sent1 = workers.reduce((sum, w) => sum + w.stats.telemetrySent, 0);
      const cpu1 = cpuSeconds(pid);
      const simCpu1 = simulatorCpu(workers);
      const achieved = Math.round((f1 - f0) / elapsed);
      const sent = Math.round((sent1 - sent0) / elapsed);
      const limitedBy = achieved < sent * 0.9 ? 'server' : sent < offered * 0.9 ? 'simulators' : '-';
      rows.push({
        offeredFramesPerS: offered,
        sentFramesPerS: sent,
        ingestedFramesPerS: achieved,
        serverCpuCores: Math.round(((cpu1 - cpu0) / elapsed) * 100) / 100,
        serverCpuUsPerFrame: Math.round(((cpu1 - cpu0) / Math.max(1, f1 - f0)) * 1e7) / 10,
        simulatorCpuCores: Math.round(((simCpu1 - simCpu0) / elapsed) * 100) / 100,
        simulatorCpuUsPerFrame: Math.round(((simCpu1 - simCpu0) / Math.max(1, sent1 - sent0)) * 1e7) / 10,
        serverRssMiB: mb(rssBytes(pid)),
        serverHeapUsedMiB: mb(heapUsed),
        eventLoopLagP99Ms: Math.round(lagP99 * 1000),
        // Hubs held for sending past a turn's read budget (the instance pushing back).
        hubsHeldPerS: Math.round((held1 - held0) / elapsed),
        // Frames the load could not send because the server's flow-control window was shut.
        windowBlocked: workers.reduce((sum, w) => sum + (w.stats.windowBlocked ?? 0), 0),
        limitedBy,
      });
      // Streams that failed in the window (heartbeat or keepalive timeouts under load).
      const errors1 = streamErrorsOf(workers);
      const failed = Object.keys(errors1).reduce((n, code) => n + (errors1[code] ?? 0) - (errors0[code] ?? 0), 0);
      if (failed > 0) (rows.at(-1) as Record<string, unknown>)['streamErrors'] = failed;
      process.stderr.write(`ingest step ${JSON.stringify(rows.at(-1))}\n`);
      best = Math.max(best, achieved);
      if (limitedBy !== '-' && !keepGoing) break;
    } catch (error) {
      rows.push({
        offeredFramesPerS: offered,
        ingestedFramesPerS: `server unresponsive (${(error as Error).name})`,
      });
      break;
    }
  }
  for (const w of workers) w.send('rate 0');
  return { best, rows };
}

async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await sleep(300);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function commands(rate: number, seconds: number, hubs: number): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  const env = {
    LATTICE_BACKEND: 'redis',
    LATTICE_REDIS_URL: redis.url,
    LATTICE_DEVICE__DEVICE__HUB_SECRET_PEPPER: 'bench-pepper-0123456789abcdef',
  };
  const a = await startDeviceProcess({ ...env, LATTICE_DEVICE__DEVICE__INSTANCE_ID: 'device-a' });
  const b = await startDeviceProcess({ ...env, LATTICE_DEVICE__DEVICE__INSTANCE_ID: 'device-b' });
  const client = new GrpcClient({ service: 'device', contract: deviceServiceContract(), address: a.internalTarget });
  const api = client.stub<DeviceServiceClient>();
  let worker: Worker | undefined;
  try {
    const creds = await provision(a.internalTarget, hubs, 'home-cmd');
    // Hub i connects to target i % 2: even hubs on A (local to the caller), odd ones on B (crossing).
    worker = startWorker(`${a.hubTarget},${b.hubTarget}`, creds, 0, 1000);
    const until = Date.now() + 60_000;
    while (
      (await metric(a.httpUrl, 'lattice_device_connected_hubs')) +
        (await metric(b.httpUrl, 'lattice_device_connected_hubs')) <
      hubs
    ) {
      if (Date.now() > until) throw new Error('hubs did not connect');
      await sleep(200);
    }
    await sleep(1000);
    const local: number[] = [];
    const cross: number[] = [];
    let failures = 0;
    let sent = 0;
    const send = async (i: number): Promise<void> => {
      const hub = creds[i % creds.length]!;
      const started = performance.now();
      try {
        const res = await api.SendCommand(
          { deviceId: `${hub.hubId}-dev-0`, homeIds: ['home-cmd'], method: 'bench', timeoutMs: '2000' },
          { timeoutMs: 3000 },
        );
        if (res.status !== 'SUCCEEDED') failures++;
        ((i % creds.length) % 2 === 0 ? local : cross).push(performance.now() - started);
      } catch {
        failures++;
      }
    };
    // Warm-up, then an open loop at `rate` commands/s.
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(i)));
    local.length = 0;
    cross.length = 0;
    failures = 0;
    const inflight: Promise<void>[] = [];
    const serverCpu = (): number => cpuSeconds(a.child.pid!) + cpuSeconds(b.child.pid!);
    const cpu0 = serverCpu();
    const simCpu0 = cpuSeconds(worker.child.pid!);
    const redisCpu0 = cpuSeconds(redis.pid);
    const benchCpu0 = process.cpuUsage();
    // Commands are owed by elapsed time (checked every ~10 ms): a late timer tick sends what it
    // owes, so a busy machine does not quietly lower the offered rate.
    const startedAt = performance.now();
    for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - startedAt) {
      const owed = Math.floor((elapsed / 1000) * rate) - sent;
      for (let i = 0; i < owed; i++) inflight.push(send(sent++));
      await sleep(10);
    }
    await Promise.all(inflight);
    const elapsedS = (performance.now() - startedAt) / 1000;
    const serverCpuS = serverCpu() - cpu0;
    const simCpuS = cpuSeconds(worker.child.pid!) - simCpu0;
    const redisCpuS = cpuSeconds(redis.pid) - redisCpu0;
    const benchCpu = process.cpuUsage(benchCpu0);
    const benchCpuS = (benchCpu.user + benchCpu.system) / 1e6;
    const all = [...local, ...cross];
    const fig = (xs: number[], p: number): number => Math.round(percentile(xs, p) * 100) / 100;
    return {
      commandsSent: sent,
      commandsPerSecond: Math.round(sent / elapsedS),
      failures,
      crossingShare: Math.round((cross.length / Math.max(1, all.length)) * 100) / 100,
      p50Ms: fig(all, 50),
      p99Ms: fig(all, 99),
      localP50Ms: fig(local, 50),
      localP99Ms: fig(local, 99),
      crossP50Ms: fig(cross, 50),
      crossP99Ms: fig(cross, 99),
      // Both replicas together (a crossing command runs on both), and the hub simulator.
      serverCpuUsPerCommand: Math.round((serverCpuS / Math.max(1, sent)) * 1e6),
      serverCpuCores: Math.round((serverCpuS / elapsedS) * 100) / 100,
      simulatorCpuUsPerCommand: Math.round((simCpuS / Math.max(1, sent)) * 1e6),
      // The rest of the machine's work per command: the calling client (this process) and Redis.
      benchClientCpuUsPerCommand: Math.round((benchCpuS / Math.max(1, sent)) * 1e6),
      redisCpuUsPerCommand: Math.round((redisCpuS / Math.max(1, sent)) * 1e6),
    };
  } finally {
    if (worker) await stopWorkers([worker]);
    await client.close();
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      // The process file limit here is 20,000 (hard), so one server can hold a little under that.
      hubs: { type: 'string', default: '19500' },
      workers: { type: 'string', default: '4' },
      'ingest-rate': { type: 'string', default: '32000' },
      'cmd-rate': { type: 'string', default: '500' },
      'cmd-seconds': { type: 'string', default: '10' },
      'cmd-hubs': { type: 'string', default: '200' },
      phases: { type: 'string', default: 'floor,scale,reconnect,ingest,ingest-wire,commands' },
      'server-prof': { type: 'string' },
      'ingest-steps': { type: 'string' },
      'sim-prof': { type: 'string' },
      // The deployed semi-space flag (deploy/k8s/base/device.yaml) and the heap limit a pod
      // sized for ~20k hubs would get from its memory limit.
      'server-node-flags': { type: 'string', default: '--max-semi-space-size=32 --max-old-space-size=1024' },
    },
  });
  serverProfDir = values['server-prof'];
  simulatorProfDir = values['sim-prof'];
  serverNodeFlags = values['server-node-flags'].split(' ').filter((f) => f.length > 0);
  const phases = new Set(values.phases.split(','));
  const setup = {
    hubs: Number(values.hubs),
    simulatorProcesses: Number(values.workers),
    devicesPerHub: 2,
    ingestOfferedFramesPerSecond: Number(values['ingest-rate']),
    commandRatePerSecond: Number(values['cmd-rate']),
    commandSeconds: Number(values['cmd-seconds']),
    commandHubs: Number(values['cmd-hubs']),
    backendForScale: 'memory',
    backendForCommands: 'redis (2 replicas)',
  };
  const figures: Record<string, unknown> = {};
  if (phases.has('floor')) {
    // Fewer connections than hubs: the hubs' own connections come later and share the
    // ephemeral ports; per-message cost barely depends on the count (measured 42-49 µs from
    // 200 to 6,000 connections).
    Object.assign(figures, await floor(6000, 8000, 2));
  }
  if (['scale', 'reconnect', 'ingest', 'ingest-wire'].some((p) => phases.has(p))) {
    Object.assign(
      figures,
      await scaleAndIngest(
        setup.hubs,
        setup.simulatorProcesses,
        setup.ingestOfferedFramesPerSecond,
        phases,
        values['ingest-steps']?.split(',').map(Number),
      ),
    );
  }
  if (phases.has('commands')) {
    Object.assign(figures, await commands(setup.commandRatePerSecond, setup.commandSeconds, setup.commandHubs));
  }
  printTable(
    'device hub link',
    Object.entries(figures)
      .filter(([, value]) => !Array.isArray(value))
      .map(([figure, value]) => ({ figure, value })),
  );
  writeResult('device-link', { setup, figures });
}

if (process.argv[2] === '--sim-worker') await runWorker(process.argv[3] ?? '');
else if (process.argv[2] === '--wire-worker') await runWireWorker(process.argv[3] ?? '');
else if (process.argv[2] === '--floor-server') runFloorServer();
else if (process.argv[2] === '--floor-client') {
  runFloorClient(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
} else await main();
