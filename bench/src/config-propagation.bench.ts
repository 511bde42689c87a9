// Propagation: publish → every subscribed client's watch listener has fired, with 100
// clients (each its own Redis connections) spread over several processes.
// Run: node bench/dist/config-propagation.bench.js   (uses LATTICE_REDIS_URL, else starts a private redis-server)
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ConfigService, RedisConfigStore } from '@lattice/config';
import { createLogger } from '@lattice/telemetry';
import { startRedis, type TestRedis } from '../../scripts/jest/redis-server.mjs';
import { percentile, printTable, writeResult } from './harness.js';

const PROCESSES = 4;
const CLIENTS_PER_PROCESS = 25;
const WARMUP_ROUNDS = 5;
const ROUNDS = 100;
const PAUSE_MS = 50;
const at = { appId: 'bench', cluster: 'default', namespace: 'application' };

type ChildMessage = { type: 'ready' } | { type: 'fired'; round: number; latencyMs: number };

const nowMs = (): number => performance.timeOrigin + performance.now();

if (process.argv[2] === '--child') {
  const [url, keyPrefix] = [process.argv[3]!, process.argv[4]!];
  const logger = createLogger({ app: 'bench-client', level: 'warn' });
  const clients = await Promise.all(
    Array.from({ length: CLIENTS_PER_PROCESS }, async () => {
      const client = new ConfigService({ appId: 'bench', redis: { url, keyPrefix }, env: {}, cacheDir: null, logger });
      await client.start();
      client.watch<{ round: number; sentAtMs: number }>('probe', (next) => {
        const latencyMs = nowMs() - next.sentAtMs;
        process.send!({ type: 'fired', round: next.round, latencyMs } satisfies ChildMessage);
      });
      return client;
    }),
  );
  process.send!({ type: 'ready' } satisfies ChildMessage);
  process.on('message', (message) => {
    if (message === 'stop') {
      void Promise.all(clients.map((c) => c.close())).then(() => process.disconnect());
    }
  });
} else {
  let redis: TestRedis | undefined;
  const url = process.env['LATTICE_REDIS_URL'] ?? (redis = await startRedis()).url;
  const keyPrefix = `bench:config-propagation:${process.pid}:`;
  const admin = new RedisConfigStore({ url, keyPrefix });
  await admin.publish({ ...at, properties: { probe: { round: -1, sentAtMs: 0 } }, author: 'bench' });

  const total = PROCESSES * CLIENTS_PER_PROCESS;
  const fired = new Map<number, number[]>();
  const children: ChildProcess[] = [];
  let ready = 0;
  let onProgress: () => void = () => undefined;
  for (let p = 0; p < PROCESSES; p++) {
    const child = fork(fileURLToPath(import.meta.url), ['--child', url, keyPrefix], { stdio: 'inherit' });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') ready++;
      else fired.set(message.round, [...(fired.get(message.round) ?? []), message.latencyMs]);
      onProgress();
    });
    children.push(child);
  }
  const until = (condition: () => boolean, timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      onProgress = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      onProgress();
    });
  await until(() => ready === PROCESSES, 60_000);

  const latencies: number[] = [];
  let incomplete = 0;
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    await admin.publish({ ...at, properties: { probe: { round, sentAtMs: nowMs() } }, author: 'bench' });
    const complete = await until(() => (fired.get(round)?.length ?? 0) >= total, 5_000);
    if (round >= WARMUP_ROUNDS) {
      if (!complete) incomplete++;
      latencies.push(...(fired.get(round) ?? []));
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }

  for (const child of children) child.send('stop');
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  await admin.close();
  await redis?.stop();

  const figures = {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    samples: latencies.length,
    expectedSamples: ROUNDS * total,
    incompleteRounds: incomplete,
  };
  printTable(
    `Config propagation: publish → listener fired on ${total} clients in ${PROCESSES} processes (target p99 ≤ 100 ms)`,
    [
      {
        clients: total,
        processes: PROCESSES,
        rounds: ROUNDS,
        'p50 ms': figures.p50Ms,
        'p99 ms': figures.p99Ms,
        'max ms': figures.maxMs,
        samples: figures.samples,
        'incomplete rounds': incomplete,
      },
    ],
  );
  const file = writeResult('config-propagation', {
    setup: {
      processes: PROCESSES,
      clientsPerProcess: CLIENTS_PER_PROCESS,
      connectionsPerClient: 2,
      rounds: ROUNDS,
      warmupRounds: WARMUP_ROUNDS,
      pauseMs: PAUSE_MS,
      redis: redis === undefined ? 'LATTICE_REDIS_URL' : 'private redis-server',
    },
    figures,
  });
  process.stdout.write(`\nwrote ${file}\n`);
}
