import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { RedisRegistry, runRegistryCli } from '@lattice/discovery';
import { redisUrl } from '#test/redis.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../src/cli/registry-cli.ts', import.meta.url));

async function run(argv: string[], now?: number): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRegistryCli(
    argv,
    { out: (s) => (out += s), err: (s) => (err += s) },
    { env: { LATTICE_REDIS_URL: redisUrl() }, ...(now === undefined ? {} : { now: () => now }) },
  );
  return { code, out, err };
}

describe('lattice registry CLI', () => {
  const prefix = `test:cli:${process.pid}:`;
  const flags = ['--backend', 'redis', '--key-prefix', prefix];
  let registry: RedisRegistry;
  let registeredAt: number;

  beforeAll(async () => {
    registry = new RedisRegistry({ url: redisUrl(), keyPrefix: prefix, sweepIntervalMs: 0, resyncIntervalMs: 0 });
    const d1 = await registry.register(
      {
        service: 'device',
        instanceId: 'device-1',
        host: '10.0.0.1',
        ports: { grpc: 50052 },
        zone: 'eu-1a',
        version: '1.4.2',
      },
      { leaseTtlMs: 60_000 },
    );
    registeredAt = d1.registeredAtMs;
    await registry.register(
      { service: 'push', instanceId: 'push-1', host: '10.0.0.2', ports: { http: 3003 } },
      { leaseTtlMs: 60_000 },
    );
  });
  afterAll(async () => {
    await registry.close();
  });

  it('ls lists every service with status, zone, version and lease age', async () => {
    const { code, out } = await run(['ls', ...flags], registeredAt + 2_500);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+INSTANCE\s+STATUS\s+ZONE\s+VERSION\s+ADDRESS\s+LEASE AGE$/);
    expect(lines[1]).toMatch(/^device\s+device-1\s+UP\s+eu-1a\s+1\.4\.2\s+10\.0\.0\.1 grpc=50052\s+2\.5s$/);
    expect(lines[2]).toMatch(/^push\s+push-1\s+UP\s+-\s+-\s+10\.0\.0\.2 http=3003\s+\d+\.\ds$/);
  });

  it('ls <service> lists one service, and says so when it has no instances', async () => {
    expect((await run(['ls', 'push', ...flags])).out).not.toContain('device');
    expect(await run(['ls', 'nothing', ...flags])).toMatchObject({ code: 0, out: 'no instances of nothing\n' });
  });

  it('status sets OUT_OF_SERVICE and back to UP', async () => {
    expect(await run(['status', 'device', 'device-1', 'OUT_OF_SERVICE', ...flags])).toMatchObject({
      code: 0,
      out: 'device/device-1 is now OUT_OF_SERVICE\n',
    });
    expect((await registry.snapshot('device')).instances[0]!.status).toBe('OUT_OF_SERVICE');
    expect((await run(['ls', 'device', ...flags])).out).toContain('OUT_OF_SERVICE');
    expect((await run(['status', 'device', 'device-1', 'UP', ...flags])).code).toBe(0);
    expect((await registry.snapshot('device')).instances[0]!.status).toBe('UP');
  });

  it('fails with the error code for an unknown instance, and with usage for bad input', async () => {
    const unknown = await run(['status', 'device', 'nope', 'UP', ...flags]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^DISCOVERY_INSTANCE_NOT_FOUND: /);
    expect((await run(['status', 'device', 'device-1', 'SIDEWAYS', ...flags])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['ls', '--colour', 'red'])).code).toBe(2);
    expect((await run(['ls', '--backend', 'memory'])).code).toBe(2);
    expect(await run(['--help'])).toMatchObject({ code: 0 });
  });

  it('runs as the lattice-registry executable', async () => {
    const child = spawn(
      process.execPath,
      ['--import', `${repo}scripts/jest/ts-register.mjs`, bin, 'ls', 'device', ...flags],
      {
        cwd: repo,
        env: { ...process.env, LATTICE_REDIS_URL: redisUrl() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(out).toContain('device-1');
  });
});
