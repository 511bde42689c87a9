import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { LatticeApplication, LatticeApplicationOptions } from '@lattice/boot';
import { createDeviceApplication, DEVICE_DEFAULTS } from '@lattice-platform/device';
import { createGatewayApplication, GATEWAY_DEFAULTS } from '@lattice-platform/gateway';
import { createPushApplication, PUSH_DEFAULTS } from '@lattice-platform/push';
import { createSchedulerApplication, SCHEDULER_DEFAULTS } from '@lattice-platform/scheduler';
import { parsePrometheusText } from '#test/prometheus.js';
import { redisUrl } from '#test/redis.js';
import { spawnTs, type TsProcess } from '#test/processes.js';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
type Factory = (options?: Omit<LatticeApplicationOptions, 'name'>) => Promise<LatticeApplication>;
const factories: [string, Factory, number][] = [
  ['gateway', createGatewayApplication, GATEWAY_DEFAULTS.server.port],
  ['device', createDeviceApplication, DEVICE_DEFAULTS.server.port],
  ['push', createPushApplication, PUSH_DEFAULTS.server.port],
  ['scheduler', createSchedulerApplication, SCHEDULER_DEFAULTS.server.port],
];

describe('the four apps', () => {
  it('use the ports of ARCHITECTURE.md', () => {
    expect(factories.map(([name, , port]) => [name, port])).toEqual([
      ['gateway', 8080],
      ['device', 3002],
      ['push', 3003],
      ['scheduler', 3004],
    ]);
  });

  describe.each(factories)('%s', (name, create) => {
    let app: LatticeApplication | undefined;
    afterEach(async () => {
      await app?.shutdown();
      app = undefined;
    });

    it.each(['memory', 'redis'])(
      'starts on the %s backend, is ready, and serves valid Prometheus text',
      async (backend) => {
        app = await create({
          // Every port from the OS (the device's gRPC ports too): fixed ones collide on a busy machine.
          defaults: { server: { host: '127.0.0.1', port: 0 }, device: { hubLinkPort: 0, internalGrpcPort: 0 } },
          env: {
            LATTICE_BACKEND: backend,
            LATTICE_REDIS_URL: redisUrl(),
            LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
            // What the gateway requires on the redis backend (the identity secret is shared with the services).
            LATTICE__GATEWAY__IDENTITY_SECRET: 'apps-e2e-identity-secret',
            LATTICE_GATEWAY__AUTH__JWT__ALGORITHM: 'HS256',
            LATTICE_GATEWAY__AUTH__JWT__SECRET: 'apps-e2e-jwt-secret-of-32-bytes!!',
          },
          logDestination: quiet,
        });
        expect(app.name).toBe(name);
        await app.start();
        const ready = await fetch(`${app.url}/health/ready`);
        expect(ready.status).toBe(200);
        if (backend === 'redis') expect(await ready.json()).toMatchObject({ info: { redis: { status: 'up' } } });
        const samples = parsePrometheusText(await (await fetch(`${app.url}/metrics`)).text());
        expect(samples.find((s) => s.name === 'lattice_app_ready')?.value).toBe(1);
        expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
      },
    );
  });
});

describe('all-in-one (npm start)', () => {
  let aio: TsProcess | undefined;
  afterAll(async () => aio?.kill());

  it('runs all four apps in one process, prints their URLs, and exits 0 on Ctrl-C', async () => {
    const entry = fileURLToPath(new URL('../apps/all-in-one/src/main.ts', import.meta.url));
    const portsToAny = Object.fromEntries(
      factories.map(([name]) => [`LATTICE_${name.toUpperCase()}__SERVER__PORT`, '0']),
    );
    aio = spawnTs(entry, {
      ...portsToAny,
      LATTICE_DEVICE__DEVICE__HUB_LINK_PORT: '0',
      LATTICE_DEVICE__DEVICE__INTERNAL_GRPC_PORT: '0',
      LATTICE__SERVER__HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await aio.waitForLine(/Ctrl-C stops it/);
    await aio.waitForLine(/^\s+scheduler\s+http/);
    const urls = Object.fromEntries(
      aio
        .stdout()
        .split('\n')
        .map((line) => /^\s+(gateway|device|push|scheduler)\s+(http:\/\/\S+)/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(urls).sort()).toEqual(['device', 'gateway', 'push', 'scheduler']);
    for (const url of Object.values(urls)) expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    aio.child.kill('SIGINT');
    expect(await aio.exited).toBe(0);
  });
});
