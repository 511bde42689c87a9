import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DiscoveryClient, RedisRegistry } from '@lattice/discovery';
import { GrpcClient } from '@lattice/rpc';
import { redisUrl } from '#test/redis.js';
import type { EchoClient } from './generated/lattice/test/v1/Echo.js';
import { echoContract } from './echo.fixture.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/echo-server.process.ts', import.meta.url));
const LEASE_TTL_MS = 2_000;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each([
  ['fast path', true],
  ['plain gRPC', false],
])('two gRPC server processes in a Redis registry, one SIGKILLed under load (%s)', (_label, fastPath) => {
  const prefix = `test:rpc-failover:${process.pid}:${fastPath ? 'fast' : 'plain'}:`;
  const children: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const close of closers.reverse()) await close();
  });

  async function startChild(instanceId: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', `${repo}scripts/jest/ts-register.mjs`, fixture], {
      cwd: repo,
      env: {
        ...process.env,
        REDIS_URL: redisUrl(),
        KEY_PREFIX: prefix,
        INSTANCE_ID: instanceId,
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        RENEW_INTERVAL_MS: '400',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    let errors = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    await waitFor(() => output.includes('registered'), 20_000).catch(() => {
      throw new Error(`${instanceId} did not start: ${errors}`);
    });
    return child;
  }

  const slug = fastPath ? 'fast' : 'plain';
  it(`idempotent calls keep succeeding and the dead instance leaves the picker within the TTL`, async () => {
    const [victim] = await Promise.all([startChild(`${slug}-a`), startChild(`${slug}-b`)]);
    const registry = new RedisRegistry({
      url: redisUrl(),
      keyPrefix: prefix,
      sweepIntervalMs: 200,
      selfPreservation: { thresholdRatio: 1 },
    });
    const discovery = new DiscoveryClient(registry);
    const client = new GrpcClient<EchoClient>({ service: 'echo', contract: echoContract, discovery, fastPath });
    closers.push(
      () => registry.close(),
      () => discovery.close(),
      () => client.close(),
    );
    const echo = client.stub();
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i += 1) seen.add((await echo.Say({ message: 'warm' })).instance);
    expect([...seen].sort()).toEqual([`${slug}-a`, `${slug}-b`]);

    const victimId = `${slug}-a`;
    let stop = false;
    let leftPickerAfterMs = -1;
    const failures: unknown[] = [];
    const answeredBy = new Map<string, number>();
    const load = Array.from({ length: 16 }, async () => {
      while (!stop) {
        try {
          const reply = await echo.Say({ message: 'idem' });
          answeredBy.set(reply.instance, (answeredBy.get(reply.instance) ?? 0) + 1);
        } catch (error) {
          failures.push(error);
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const exited = once(victim, 'exit');
    // Poll what the picker chooses from: the UP instances the discovery cache hands the balancer.
    while (leftPickerAfterMs < 0 && Date.now() - killedAt < LEASE_TTL_MS + 5_000) {
      const up = await discovery.getInstances('echo');
      if (!up.some((i) => i.instanceId === victimId)) leftPickerAfterMs = Date.now() - killedAt;
      else await new Promise((r) => setTimeout(r, 25));
    }
    const afterRemoval = answeredBy.get(`${slug}-b`) ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(load);
    await exited;

    expect(failures).toEqual([]);
    expect(leftPickerAfterMs).toBeGreaterThanOrEqual(0);
    // The lease lapses at most one TTL after the last renewal; allow the watch's re-read slack.
    expect(leftPickerAfterMs).toBeLessThanOrEqual(LEASE_TTL_MS + 500);
    expect(answeredBy.get(`${slug}-b`)).toBeGreaterThan(afterRemoval); // traffic went on after the removal
    expect(client.connectedInstances()).not.toContain(victimId);
  });
});
