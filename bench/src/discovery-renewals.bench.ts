// What 1,000 instances renewing their leases every 5 s cost a Redis server: client
// commands per second and the server's CPU (INFO cpu), with the sweeper and a watcher of
// every service running. Target: < 5% of one core.
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscoveryClient, InstanceRegistrar, RedisRegistry } from '@lattice/discovery';
import { startRedis } from '../../scripts/jest/redis-server.mjs';
import { printTable, writeResult } from './harness.js';

const INSTANCES = 1_000;
const SERVICES = 10;
const RENEW_INTERVAL_MS = 5_000;
const LEASE_TTL_MS = 15_000;
const CONNECTIONS = 4;
const MEASURE_MS = 20_000;

const redis = await startRedis();
const admin = new Redis(redis.url);
const registries = Array.from({ length: CONNECTIONS }, () => new RedisRegistry({ url: redis.url }));
const registrars: InstanceRegistrar[] = [];
// Registrations start spread over one renew interval, as real instances' phases are.
for (let i = 0; i < INSTANCES; i++) {
  const registrar = new InstanceRegistrar(
    registries[i % CONNECTIONS]!,
    { service: `svc-${i % SERVICES}`, instanceId: `inst-${i}`, host: '10.0.0.1', ports: { http: 8080 }, zone: 'a' },
    { leaseTtlMs: LEASE_TTL_MS, renewIntervalMs: RENEW_INTERVAL_MS },
  );
  registrars.push(registrar);
  await registrar.start();
  await sleep(RENEW_INTERVAL_MS / INSTANCES);
}
const watcher = new RedisRegistry({ url: redis.url });
const client = new DiscoveryClient(watcher);
for (let s = 0; s < SERVICES; s++) await client.getInstances(`svc-${s}`);

async function sample(): Promise<{ commands: number; scripts: number; cpuSeconds: number; at: number }> {
  const info = await admin.info('all');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  const calls = (command: string): number =>
    Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    // Redis counts the commands a Lua script calls as well as the EVALSHA itself.
    commands: field('total_commands_processed'),
    scripts: calls('evalsha') + calls('eval'),
    cpuSeconds: field('used_cpu_sys') + field('used_cpu_user'),
    at: performance.now(),
  };
}

const before = await sample();
await sleep(MEASURE_MS);
const after = await sample();
const seconds = (after.at - before.at) / 1_000;
const opsPerSecond = (after.commands - before.commands) / seconds;
const scriptsPerSecond = (after.scripts - before.scripts) / seconds;
const cpuPercent = ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
const known = (await Promise.all(Array.from({ length: SERVICES }, (_, s) => client.getInstances(`svc-${s}`)))).flat()
  .length;

for (const r of registrars) await r.stop();
await client.close();
await watcher.close();
for (const r of registries) await r.close();
await admin.quit();
await redis.stop();

const rows = [
  { figure: 'instances registered (seen by the watcher)', value: known },
  { figure: 'Redis commands/s (incl. those inside Lua)', value: opsPerSecond },
  { figure: 'Lua script calls/s (renew, evict+read...)', value: scriptsPerSecond },
  { figure: 'Redis server CPU, % of one core', value: cpuPercent },
  { figure: 'measured over, s', value: seconds },
];
printTable(
  `${INSTANCES} instances renewing every ${RENEW_INTERVAL_MS / 1_000} s (${SERVICES} services, ${CONNECTIONS} connections, sweeper + watcher on)`,
  rows,
);
const file = writeResult('discovery-renewals', {
  setup: {
    instances: INSTANCES,
    services: SERVICES,
    renewIntervalMs: RENEW_INTERVAL_MS,
    leaseTtlMs: LEASE_TTL_MS,
    connections: CONNECTIONS,
    measureMs: MEASURE_MS,
  },
  figures: {
    instancesSeen: known,
    redisCommandsPerSecond: opsPerSecond,
    scriptCallsPerSecond: scriptsPerSecond,
    redisCpuPercentOfOneCore: cpuPercent,
  },
});
process.stdout.write(`\nwritten ${file}\n`);
