import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { HubSimulator } from '@lattice-platform/device';
import { freePort, startRedis, type TestRedis } from '#test/redis.js';
import { spawnTs, type TsProcess } from '#test/processes.js';
import { deviceClient, eventually } from './support/device-harness.js';

const fixture = fileURLToPath(new URL('./fixtures/device-replica.ts', import.meta.url));
const HOMES = ['home-r'];

interface Replica {
  readonly process: TsProcess;
  readonly instanceId: string;
  readonly hubTarget: string;
  readonly url: string;
  readonly api: ReturnType<typeof deviceClient>['api'];
  close(): Promise<void>;
}

async function startReplica(redisUrl: string, name: string): Promise<Replica> {
  const hubPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnTs(fixture, {
    LATTICE_BACKEND: 'redis',
    LATTICE_REDIS_URL: redisUrl,
    LATTICE_DEVICE__SERVER__PORT: '0',
    LATTICE_DEVICE__SERVER__HOST: '127.0.0.1',
    LATTICE_DEVICE__LOG__LEVEL: 'warn',
    LATTICE_DEVICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
    LATTICE_DEVICE__SHUTDOWN__GRACE_PERIOD_MS: '1000',
    LATTICE_DEVICE__DEVICE__INSTANCE_ID: name,
    LATTICE_DEVICE__DEVICE__GRPC_HOST: '127.0.0.1',
    LATTICE_DEVICE__DEVICE__ADVERTISE_HOST: '127.0.0.1',
    LATTICE_DEVICE__DEVICE__HUB_LINK_PORT: String(hubPort),
    LATTICE_DEVICE__DEVICE__INTERNAL_GRPC_PORT: String(grpcPort),
    LATTICE_DEVICE__DEVICE__HUB_SECRET_PEPPER: 'replica-test-pepper-0123456789',
    LATTICE_DEVICE__DEVICE__HEARTBEAT_INTERVAL_MS: '1000',
    LATTICE_DEVICE__DEVICE__SWEEP_INTERVAL_MS: '250',
  });
  const line = await proc.waitForLine(/^READY /, 30_000);
  const { instanceId, url } = JSON.parse(line.slice(6)) as { instanceId: string; url: string };
  const client = deviceClient(`127.0.0.1:${grpcPort}`);
  return {
    process: proc,
    instanceId,
    hubTarget: `127.0.0.1:${hubPort}`,
    url,
    api: client.api,
    async close() {
      await client.close();
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

describe('two device replicas on a real Redis (separate processes)', () => {
  let redis: TestRedis;
  let a: Replica;
  let b: Replica;
  const sims: HubSimulator[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startReplica(redis.url, 'device-a'), startReplica(redis.url, 'device-b')]);
  }, 60_000);

  afterAll(async () => {
    for (const sim of sims) await sim.stop();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it('routes commands to the replica holding the hub, follows it when it moves, and survives a SIGKILL', async () => {
    const creds = await a.api.ProvisionHub({ homeId: 'home-r' });
    const hub = { hubId: creds.hubId, secret: creds.secret, homeId: 'home-r' };
    // The hub starts on A; when its stream fails it tries B, then A again.
    const sim = new HubSimulator({
      target: `${a.hubTarget},${b.hubTarget}`,
      hubs: [hub],
      devicesPerHub: 1,
      telemetryRatePerHub: 0,
      reconnectBaseMs: 50,
      reconnectMaxMs: 200,
    });
    sims.push(sim);
    sim.start();
    await sim.waitConnected(1);
    const deviceId = sim.devicesOf(hub.hubId)[0] as string;
    await eventually(async () => (await b.api.GetDevice({ deviceId, homeIds: HOMES })).online, 10_000);

    // 1. Sent to B, held by A: crosses replicas and returns the hub's result.
    const crossed = await b.api.SendCommand({ deviceId, homeIds: HOMES, method: 'crossed', timeoutMs: '5000' });
    expect(crossed.status).toBe('SUCCEEDED');
    expect(crossed.result['method']?.string).toBe('crossed');
    expect(sim.targetOfHub(hub.hubId)).toBe(a.hubTarget);
    const metricsA = await (await fetch(`${a.url}/metrics`)).text();
    expect(metricsA).toMatch(
      /lattice_rpc_server_duration_seconds_count\{[^}]*method="DeliverCommand"[^}]*status="OK"[^}]*\} 1/,
    );

    // 2. The hub reconnects to B; the next command (sent to A) follows it.
    const firstSession = sim.sessionOf(hub.hubId);
    sim.dropConnection(hub.hubId);
    await eventually(() => sim.stats.connected === 1 && sim.sessionOf(hub.hubId) !== firstSession, 10_000);
    expect(sim.targetOfHub(hub.hubId)).toBe(b.hubTarget);
    const followed = await eventually(async () => {
      const res = await a.api.SendCommand({ deviceId, homeIds: HOMES, method: 'followed', timeoutMs: '3000' });
      return res.status === 'SUCCEEDED' ? res : undefined;
    }, 10_000);
    expect(followed.result['method']?.string).toBe('followed');

    // 3. B dies hard: the hub reconnects to A and commands resume.
    const beforeKill = sim.stats.connects;
    b.process.child.kill('SIGKILL');
    await b.process.exited;
    await eventually(() => sim.stats.connects > beforeKill && sim.stats.connected === 1, 15_000);
    expect(sim.targetOfHub(hub.hubId)).toBe(a.hubTarget);
    const resumed = await eventually(async () => {
      const res = await a.api.SendCommand({ deviceId, homeIds: HOMES, method: 'resumed', timeoutMs: '3000' });
      return res.status === 'SUCCEEDED' ? res : undefined;
    }, 15_000);
    expect(resumed.result['method']?.string).toBe('resumed');
    expect(sim.stats.commandsAnswered).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
