// Push app benchmark: the push app runs alone in a child process (`apps/push/dist/main.js`, memory
// backend unless LATTICE_REDIS_URL is set), WebSocket clients run in separate worker processes.
// Measures server RSS per connected client, broadcast fan-out rate, and accept → delivered latency
// at a fixed offered rate.
//
//   node bench/dist/push.bench.js
//   PUSH_BENCH_CLIENTS=10000 PUSH_BENCH_WORKERS=4 PUSH_BENCH_RATE=5000 PUSH_BENCH_SECONDS=10 PUSH_BENCH_WARMUP_SECONDS=2 node bench/dist/push.bench.js
// PUSH_BENCH_NAME names the result file (default push), PUSH_BENCH_NODE_ARGS sets the server's node flags
// instead of the deployed ones (PUSH_NODE_FLAGS; '' for Node's defaults, or add e.g. --cpu-prof); PUSH_BENCH_BATCHED=0 or PUSH_BENCH_SINGLE=0 skips that accept round, PUSH_BENCH_FLOOR=0
// the same broadcasts from a bare ws server (the machine's ceiling; it is sent an IPC message, not a POST).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { percentile, printTable, writeResult } from './harness.js';

const self = fileURLToPath(import.meta.url);
// The push Deployment's NODE_OPTIONS (deploy/k8s/base/push.yaml): the app is measured as it runs.
const PUSH_NODE_FLAGS = '--max-semi-space-size=64';
const pushMain = join(dirname(self), '..', '..', 'apps', 'push', 'dist', 'main.js');
const now = (): number => performance.timeOrigin + performance.now();

type ToWorker =
  | { cmd: 'connect'; url: string; from: number; count: number }
  | { cmd: 'report' }
  | { cmd: 'reset' }
  | { cmd: 'close' };
type FromWorker =
  | { kind: 'connected'; count: number; failed: number }
  | {
      kind: 'report';
      bcast: Record<string, { count: number; firstMs: number; lastMs: number }>;
      latencies: number[];
      warmupLatencies: number[];
    }
  | { kind: 'closed' };

// ---------------------------------------------------------------- worker: holds WebSocket clients
function worker(): void {
  const sockets: WebSocket[] = [];
  let bcast: Record<string, { count: number; firstMs: number; lastMs: number }> = {};
  let latencies: number[] = [];
  let warmupLatencies: number[] = [];
  const onMessage = (raw: WebSocket.RawData): void => {
    const at = now();
    const frame = JSON.parse((raw as Buffer).toString('utf8')) as { type: string; data?: { k?: string; t?: number } };
    if (frame.type !== 'message' || frame.data === undefined) return;
    if (frame.data.k === 'lat' && frame.data.t !== undefined) latencies.push(at - frame.data.t);
    else if (frame.data.k === 'warm' && frame.data.t !== undefined) warmupLatencies.push(at - frame.data.t);
    else if (frame.data.k !== undefined) {
      const entry = (bcast[frame.data.k] ??= { count: 0, firstMs: at, lastMs: 0 });
      entry.count++;
      entry.lastMs = Math.max(entry.lastMs, at);
    }
  };
  const open = (url: string, user: number): Promise<boolean> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${url}?device=d`, {
        headers: { 'x-lattice-user': `u${user}` },
        perMessageDeflate: false,
      });
      ws.once('message', () => resolve(true)); // welcome
      ws.once('error', () => resolve(false));
      ws.on('message', onMessage);
      sockets.push(ws);
    });
  process.on('message', (msg: ToWorker) => {
    if (msg.cmd === 'connect') {
      void (async () => {
        let failed = 0;
        // A bounded number of handshakes in flight keeps the accept queue from overflowing.
        for (let i = 0; i < msg.count; i += 100) {
          const batch = [];
          for (let j = i; j < Math.min(msg.count, i + 100); j++) batch.push(open(msg.url, msg.from + j));
          failed += (await Promise.all(batch)).filter((ok) => !ok).length;
        }
        process.send!({ kind: 'connected', count: msg.count - failed, failed } satisfies FromWorker);
      })();
    } else if (msg.cmd === 'report') {
      process.send!({ kind: 'report', bcast, latencies, warmupLatencies } satisfies FromWorker);
    } else if (msg.cmd === 'reset') {
      bcast = {};
      latencies = [];
      warmupLatencies = [];
      // A full GC of the clients' own garbage now, before a round, not as a 30 ms pause inside
      // it that would read as push's latency (the workers are forked with the driver's --expose-gc).
      (globalThis as { gc?: () => void }).gc?.();
    } else if (msg.cmd === 'close') {
      for (const ws of sockets.splice(0)) ws.terminate();
      bcast = {};
      process.send!({ kind: 'closed' } satisfies FromWorker);
    }
  });
  process.on('disconnect', () => {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- floor: a bare ws server
// The same clients, served by a bare `ws` server that writes the same frames (the message
// serialised once, an offset and epoch per client) in one loop: what this machine allows a
// broadcast at all, with the clients sharing its cores.
function floorServer(port: number): void {
  const clients: { ws: WebSocket; offset: number }[] = [];
  const epoch = JSON.stringify(`${randomUUID()}-1`);
  const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    clients.push({ ws, offset: 0 });
    ws.send('{"type":"welcome"}');
  });
  wss.on('listening', () => process.send!('listening'));
  process.on('message', (key: string) => {
    const sentAtMs = Date.now();
    const tail = JSON.stringify({
      id: randomUUID(),
      title: 'all',
      body: 'hello',
      data: { k: key },
      priority: 'normal',
      sentAtMs,
      expiresAtMs: sentAtMs + 86_400_000,
    }).slice(1);
    for (const c of clients) c.ws.send(`{"type":"message","offset":${++c.offset},"epoch":${epoch},${tail}`);
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- driver
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

// undici rather than node:http for the offered load: the load generator must not be what
// limits the rate (node:http's client cost about twice as much CPU per request here).
let pool: Pool | undefined;
async function post(port: number, path: string, body: unknown): Promise<number> {
  pool ??= new Pool(`http://127.0.0.1:${port}`, { connections: Number(process.env['PUSH_BENCH_SOCKETS'] ?? 64) });
  try {
    const res = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lattice-user': 'bench', 'x-lattice-roles': 'admin' },
      body: JSON.stringify(body),
    });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

function ask<T extends FromWorker['kind']>(
  child: ChildProcess,
  msg: ToWorker,
  kind: T,
): Promise<Extract<FromWorker, { kind: T }>> {
  return new Promise((resolve) => {
    const listener = (reply: FromWorker): void => {
      if (reply.kind !== kind) return;
      child.off('message', listener);
      resolve(reply as Extract<FromWorker, { kind: T }>);
    };
    child.on('message', listener);
    child.send(msg);
  });
}

async function waitReady(url: string, deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('push did not become ready');
}

/** Connects `clients` WebSocket clients, spread over the workers; resolves with how many opened. */
async function connectAll(children: readonly ChildProcess[], url: string, clients: number): Promise<number> {
  const per = Math.ceil(clients / children.length);
  const connected = await Promise.all(
    children.map((child, w) =>
      ask(child, { cmd: 'connect', url, from: w * per, count: Math.min(per, clients - w * per) }, 'connected'),
    ),
  );
  return connected.reduce((n, c) => n + c.count, 0);
}

interface FanoutRounds {
  /** Per broadcast: ms from the send until the answer (202), the first and the last delivery. */
  readonly rounds: readonly { deliveries: number; answeredMs: number; firstMs: number; ms: number; rate: number }[];
  /** The serving process's CPU per delivery (its socket writes' kernel time included). */
  readonly serverMicrosPerDelivery: number;
  /** redis-server's CPU per delivery, when it runs on this machine (the Redis backend). */
  readonly redisMicrosPerDelivery: number | undefined;
  /** The client workers' CPU per delivery: what the clients take of the same cores. */
  readonly clientMicrosPerDelivery: number;
}

/** `count` broadcasts, one at a time: each from `send(key)` until the last client has it. */
async function broadcastRounds(
  children: readonly ChildProcess[],
  open: number,
  count: number,
  serverPid: number,
  send: (key: string) => Promise<void>,
  redisPid?: number,
): Promise<FanoutRounds> {
  const rounds = [];
  const workersCpu = (): number => children.reduce((n, c) => n + cpuMs(c.pid!), 0);
  const cpuBefore = cpuMs(serverPid);
  const redisBefore = redisPid === undefined ? 0 : cpuMs(redisPid);
  const workersBefore = workersCpu();
  for (let b = 0; b < count; b++) {
    const key = `b${b}`;
    const start = now();
    await send(key);
    const answered = now();
    let deliveries = 0;
    let first = 0;
    let last = 0;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      await sleep(200);
      const reports = await Promise.all(children.map((c) => ask(c, { cmd: 'report' }, 'report')));
      deliveries = reports.reduce((n, r) => n + (r.bcast[key]?.count ?? 0), 0);
      first = Math.min(...reports.map((r) => r.bcast[key]?.firstMs ?? Infinity));
      last = Math.max(...reports.map((r) => r.bcast[key]?.lastMs ?? 0));
      if (deliveries >= open) break;
    }
    rounds.push({
      deliveries,
      answeredMs: answered - start,
      firstMs: first - start,
      ms: last - start,
      rate: deliveries / ((last - start) / 1000),
    });
  }
  const delivered = rounds.reduce((n, r) => n + r.deliveries, 0);
  const perDelivery = (ms: number): number => Number(((ms * 1000) / Math.max(1, delivered)).toFixed(1));
  return {
    rounds,
    serverMicrosPerDelivery: perDelivery(cpuMs(serverPid) - cpuBefore),
    redisMicrosPerDelivery: redisPid === undefined ? undefined : perDelivery(cpuMs(redisPid) - redisBefore),
    clientMicrosPerDelivery: perDelivery(workersCpu() - workersBefore),
  };
}

/** redis-server's pid when it runs on this machine (its CPU is read from /proc), else undefined. */
async function localRedisPid(url: string | undefined): Promise<number | undefined> {
  if (url === undefined) return undefined;
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    return Number.isSafeInteger(pid) && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** The same broadcasts from the bare `ws` server ({@link floorServer}), after the workers left push. */
async function floorRounds(children: readonly ChildProcess[], clients: number, count: number): Promise<FanoutRounds> {
  await Promise.all(children.map((c) => ask(c, { cmd: 'close' }, 'closed')));
  const port = await freePort();
  const floor = fork(self, ['--ws-floor', String(port)], { stdio: 'inherit' });
  try {
    await new Promise((resolve) => floor.once('message', resolve));
    const open = await connectAll(children, `ws://127.0.0.1:${port}/`, clients);
    await sleep(2000);
    return await broadcastRounds(children, open, count, floor.pid!, (key) => {
      floor.send(key);
      return Promise.resolve();
    });
  } finally {
    floor.disconnect();
    await Promise.all(children.map((c) => ask(c, { cmd: 'close' }, 'closed')));
  }
}

async function driver(): Promise<void> {
  const clients = Number(process.env['PUSH_BENCH_CLIENTS'] ?? 10_000);
  const workers = Number(process.env['PUSH_BENCH_WORKERS'] ?? 4);
  const rate = Number(process.env['PUSH_BENCH_RATE'] ?? 5000);
  const seconds = Number(process.env['PUSH_BENCH_SECONDS'] ?? 10);
  const warmupSeconds = Number(process.env['PUSH_BENCH_WARMUP_SECONDS'] ?? 2);
  const broadcasts = Number(process.env['PUSH_BENCH_BROADCASTS'] ?? 9);
  const redisUrl = process.env['LATTICE_REDIS_URL'];
  const port = await freePort();
  const nodeArgs = (process.env['PUSH_BENCH_NODE_ARGS'] ?? PUSH_NODE_FLAGS).split(' ').filter((a) => a !== '');
  const server = spawn(process.execPath, [...nodeArgs, pushMain], {
    env: {
      ...process.env,
      LATTICE_BACKEND: redisUrl === undefined ? 'memory' : 'redis',
      LATTICE_DISCOVERY: 'memory',
      LATTICE_PUSH__SERVER__PORT: String(port),
      LATTICE_PUSH__SERVER__HOST: '127.0.0.1',
      LATTICE_PUSH__LOG__LEVEL: 'warn',
      LATTICE_PUSH__PUSH__LIMITS__PER_SENDER_QPS: '1000000',
      LATTICE_PUSH__PUSH__LIMITS__PER_APP_QPS: '1000000',
      LATTICE_PUSH__PUSH__FALLBACK__ENABLED: 'false',
      LATTICE_PUSH__PUSH__RECEIPTS__ENABLED: 'false',
      LATTICE_PUSH__PUSH__MAX_RECIPIENTS: String(clients + 10),
      LATTICE_PUSH__PUSH__STORE__KEY_PREFIX: `bench:push:${Date.now()}:`,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const children: ChildProcess[] = [];
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const stopServer = async (): Promise<void> => {
    server.kill('SIGTERM');
    await exited;
  };
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, Date.now() + 30_000);
    await sleep(1000);
    const rssBefore = rssBytes(server.pid!);

    // The clients' processes get young generations as large as push's: with Node's default the
    // frames they parse were promoted, and their full GCs (30-60 ms) read as push's latency.
    const workerArgs = [...process.execArgv, '--max-semi-space-size=64'];
    for (let w = 0; w < workers; w++)
      children.push(fork(self, ['--push-worker'], { stdio: 'inherit', execArgv: workerArgs }));
    const connectStart = now();
    const open = await connectAll(children, `ws://127.0.0.1:${port}/push/ws`, clients);
    const connectSeconds = (now() - connectStart) / 1000;
    await sleep(2000);
    const rssAfter = rssBytes(server.pid!);

    // Broadcast fan-out: time from POST until the last client has the message.
    const fanout = await broadcastRounds(
      children,
      open,
      broadcasts,
      server.pid!,
      async (key) => {
        const status = await post(port, '/push/messages', {
          title: 'all',
          body: 'hello',
          data: { k: key },
          target: { broadcast: true },
        });
        if (status !== 202) throw new Error(`broadcast answered ${status}`);
      },
      await localRedisPid(redisUrl),
    );
    for (const child of children) child.send({ cmd: 'reset' } satisfies ToWorker);

    // Accept → delivered at a fixed offered rate (one user per message, spread over all clients),
    // once in batches (one request per 10 ms window) and once with one message per request. Each
    // message carries its due time, so a driver or server that falls behind shows in the latency.
    // The first PUSH_BENCH_WARMUP_SECONDS (2) of each round are offered at the same rate but
    // reported apart: the first second at a new load compiles that path and opens the driver's
    // connections, and its backlog (up to ~120 ms) would otherwise be most of a round's p99.
    const pids = { server: server.pid!, driver: process.pid, workers: children.map((c) => c.pid!) };
    const offer = async (batchWindowMs: number) => {
      for (const child of children) child.send({ cmd: 'reset' } satisfies ToWorker);
      await sleep(500);
      const warmup = Math.round(rate * warmupSeconds);
      const total = warmup + rate * seconds;
      const accepted: Promise<number[]>[] = [];
      const message = (i: number, due: number) => ({
        title: 't',
        body: 'b',
        data: { k: i < warmup ? 'warm' : 'lat', t: due },
        target: { users: [`u${i % open}`] },
      });
      const start = now();
      const dueOf = (i: number): number => start + (i * 1000) / rate;
      const cpuNow = () => ({
        server: cpuMs(pids.server),
        driver: cpuMs(pids.driver),
        workers: pids.workers.reduce((n, pid) => n + cpuMs(pid), 0),
      });
      let cpuBefore = cpuNow();
      let measuredStart = start;
      for (let i = 0; i < total;) {
        if (i >= warmup && measuredStart === start && warmup > 0) {
          cpuBefore = cpuNow();
          measuredStart = now();
        }
        const wait = dueOf(i) + batchWindowMs - now();
        if (wait > 1) await sleep(wait);
        if (batchWindowMs === 0) {
          accepted.push(post(port, '/push/messages', message(i, dueOf(i))).then((s) => [s]));
          i++;
          continue;
        }
        const messages: ReturnType<typeof message>[] = [];
        // At most push.maxBatch (500) per request, however far behind the driver is.
        for (const until = now(); i < total && dueOf(i) <= until && messages.length < 500; i++)
          messages.push(message(i, dueOf(i)));
        accepted.push(post(port, '/push/messages/batch', { messages }).then((s) => messages.map(() => s)));
      }
      const statuses = (await Promise.all(accepted)).flat();
      const offeredSeconds = (now() - measuredStart) / 1000;
      // Where the time goes: cores used by each side while the load was offered.
      const cores = {
        server: (cpuMs(pids.server) - cpuBefore.server) / 1000 / offeredSeconds,
        driver: (cpuMs(pids.driver) - cpuBefore.driver) / 1000 / offeredSeconds,
        workers: (pids.workers.reduce((n, pid) => n + cpuMs(pid), 0) - cpuBefore.workers) / 1000 / offeredSeconds,
      };
      await sleep(2000);
      const reports = await Promise.all(children.map((c) => ask(c, { cmd: 'report' }, 'report')));
      const latencies = reports.flatMap((r) => r.latencies);
      const warmupLatencies = reports.flatMap((r) => r.warmupLatencies);
      return {
        requests: batchWindowMs === 0 ? 'one message per request' : `a batch every ${batchWindowMs} ms`,
        offeredRatePerSecond: rate,
        achievedSendRatePerSecond: Math.round((total - warmup) / offeredSeconds),
        accepted202: statuses.slice(warmup).filter((s) => s === 202).length,
        warmupDeliveredOfAccepted: `${warmupLatencies.length} / ${statuses.slice(0, warmup).filter((s) => s === 202).length}`,
        delivered: latencies.length,
        latencyP50Ms: Number(percentile(latencies, 50).toFixed(2)),
        latencyP99Ms: Number(percentile(latencies, 99).toFixed(2)),
        latencyMaxMs: Number(percentile(latencies, 100).toFixed(2)),
        warmupSeconds,
        warmupLatencyP99Ms: Number(percentile(warmupLatencies, 99).toFixed(2)),
        warmupLatencyMaxMs: Number(percentile(warmupLatencies, 100).toFixed(2)),
        cores: {
          server: Number(cores.server.toFixed(2)),
          driver: Number(cores.driver.toFixed(2)),
          clientWorkers: Number(cores.workers.toFixed(2)),
        },
        serverCpuMicrosPerMessage: Math.round((cores.server * offeredSeconds * 1e6) / (total - warmup)),
      };
    };
    const rounds = [];
    if (process.env['PUSH_BENCH_BATCHED'] !== '0') rounds.push(await offer(10));
    if (process.env['PUSH_BENCH_SINGLE'] !== '0') rounds.push(await offer(0));
    await stopServer();
    // PUSH_BENCH_FLOOR=0 skips the bare ws server's broadcasts (the machine's ceiling for this figure).
    const floor =
      process.env['PUSH_BENCH_FLOOR'] === '0' ? undefined : await floorRounds(children, clients, broadcasts);

    const bytesPerClient = (rssAfter - rssBefore) / Math.max(1, open);
    const median = (f: FanoutRounds): number =>
      percentile(
        f.rounds.map((r) => r.rate),
        50,
      );
    const fanoutRate = median(fanout);
    const figures = {
      clientsConnected: open,
      connectSeconds: Number(connectSeconds.toFixed(1)),
      serverRssBeforeMB: Number((rssBefore / 2 ** 20).toFixed(1)),
      serverRssWithClientsMB: Number((rssAfter / 2 ** 20).toFixed(1)),
      bytesPerClient: Math.round(bytesPerClient),
      broadcastMedianDeliveriesPerSecond: Math.round(fanoutRate),
      broadcastServerMicrosPerDelivery: fanout.serverMicrosPerDelivery,
      broadcastRedisMicrosPerDelivery: fanout.redisMicrosPerDelivery,
      broadcastClientMicrosPerDelivery: fanout.clientMicrosPerDelivery,
      broadcasts: fanout.rounds.map((f) => ({
        deliveries: f.deliveries,
        answeredMs: Math.round(f.answeredMs),
        firstDeliveryMs: Math.round(f.firstMs),
        ms: Math.round(f.ms),
        perSecond: Math.round(f.rate),
      })),
      ...(floor === undefined
        ? {}
        : {
            bareWsBroadcastMedianDeliveriesPerSecond: Math.round(median(floor)),
            bareWsServerMicrosPerDelivery: floor.serverMicrosPerDelivery,
          }),
      acceptToDelivered: rounds,
    };
    printTable('push: live WebSocket channel', [
      { figure: 'clients connected', value: open, target: clients },
      { figure: 'server RSS with clients (MB)', value: figures.serverRssWithClientsMB, target: '≤ 400' },
      { figure: 'server bytes per client', value: figures.bytesPerClient, target: '≤ 35,840' },
      {
        figure: 'broadcast fan-out (deliveries/s, median)',
        value: figures.broadcastMedianDeliveriesPerSecond,
        target: '≥ 50,000',
      },
      { figure: 'broadcast server CPU per delivery (µs)', value: fanout.serverMicrosPerDelivery, target: '' },
      ...(fanout.redisMicrosPerDelivery === undefined
        ? []
        : [
            {
              figure: 'broadcast redis-server CPU per delivery (µs)',
              value: fanout.redisMicrosPerDelivery,
              target: '',
            },
          ]),
      { figure: 'broadcast clients CPU per delivery (µs)', value: fanout.clientMicrosPerDelivery, target: '' },
      ...(floor === undefined
        ? []
        : [
            { figure: 'bare ws server: same broadcasts (deliveries/s)', value: Math.round(median(floor)), target: '' },
            { figure: 'bare ws server: CPU per delivery (µs)', value: floor.serverMicrosPerDelivery, target: '' },
          ]),
    ]);
    printTable(
      `push: accept → delivered at ${rate} messages/s (target p99 ≤ 50 ms)`,
      figures.acceptToDelivered.map((f) => ({
        requests: f.requests,
        achievedPerSecond: f.achievedSendRatePerSecond,
        'delivered/accepted': `${f.delivered} / ${f.accepted202}`,
        p50Ms: f.latencyP50Ms,
        p99Ms: f.latencyP99Ms,
        maxMs: f.latencyMaxMs,
        'warm-up p99/max ms': `${f.warmupLatencyP99Ms} / ${f.warmupLatencyMaxMs}`,
        'cores server/driver/clients': Object.values(f.cores).join(' / '),
        serverMicrosPerMessage: f.serverCpuMicrosPerMessage,
      })),
    );
    const file = writeResult(process.env['PUSH_BENCH_NAME'] ?? 'push', {
      setup: {
        clients,
        workers,
        rate,
        seconds,
        broadcasts,
        backend: redisUrl === undefined ? 'memory' : 'redis',
        note: 'push in its own process; clients in worker processes; all on the same machine',
      },
      figures,
    });
    process.stdout.write(`\nwrote ${file}\n`);
  } finally {
    for (const child of children) child.disconnect();
    await stopServer();
    await pool?.close();
  }
}

if (process.argv.includes('--push-worker')) worker();
else if (process.argv.includes('--ws-floor')) floorServer(Number(process.argv.at(-1)));
else await driver();
