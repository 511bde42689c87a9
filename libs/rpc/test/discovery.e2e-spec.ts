import { afterEach, describe, expect, it } from '@jest/globals';
import { LatticeError } from '@lattice/core';
import { DiscoveryClient, MemoryRegistry } from '@lattice/discovery';
import { BreakerOpenError } from '@lattice/resilience';
import { GrpcClient, GrpcServer, RpcInstanceNotFoundError, RpcUnavailableError } from '@lattice/rpc';
import type { EchoClient, EchoHandlers } from './generated/lattice/test/v1/Echo.js';
import { echoContract, echoImplementation, startEcho } from './echo.fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(servers: GrpcServer[], fastPath: boolean, balancer = 'p2c') {
  const registry = new MemoryRegistry();
  for (const [i, s] of servers.entries()) {
    await registry.register(
      { service: 'echo', instanceId: `echo-${i + 1}`, host: '127.0.0.1', ports: { grpc: s.port } },
      { leaseTtlMs: 60_000 },
    );
  }
  const discovery = new DiscoveryClient(registry);
  const client = new GrpcClient({
    service: 'echo',
    contract: echoContract,
    discovery,
    fastPath,
    balancer,
    breaker: { minimumCalls: 4, windowSizeCalls: 10, failureRateThresholdPercent: 50, openDurationMs: 60_000 },
  });
  cleanups.push(async () => {
    await client.close();
    await discovery.close();
    await registry.close();
  });
  return { registry, client };
}

describe.each([
  ['fast path', true],
  ['plain gRPC', false],
])('discovery-aware GrpcClient (%s)', (_label, fastPath) => {
  it('balances over instances, follows deregistration, and calls one instance with toInstance', async () => {
    const a = await startEcho('echo-1');
    const b = await startEcho('echo-2');
    cleanups.push(async () => {
      await a.drain(Date.now());
      await b.drain(Date.now());
    });
    const { registry, client } = await setup([a, b], fastPath);
    const echo = client.stub<EchoClient>();
    const seen = new Set<string>();
    for (let i = 0; i < 40; i += 1) seen.add((await echo.Say({ message: 'x' })).instance);
    expect([...seen].sort()).toEqual(['echo-1', 'echo-2']);
    expect((await client.toInstance<EchoClient>('echo-2').Say({ message: 'pinned' })).instance).toBe('echo-2');

    await registry.deregister('echo', 'echo-1');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.connectedInstances()).toEqual(['echo-2']);
    for (let i = 0; i < 10; i += 1) expect((await echo.Say({ message: 'y' })).instance).toBe('echo-2');
    await expect(client.toInstance<EchoClient>('echo-1').Say({ message: 'z' })).rejects.toBeInstanceOf(
      RpcInstanceNotFoundError,
    );
  });

  it('keeps idempotent calls succeeding through retries when an instance dies under load', async () => {
    const a = await startEcho('echo-1');
    const b = await startEcho('echo-2');
    cleanups.push(async () => {
      await b.drain(Date.now());
    });
    const { client } = await setup([a, b], fastPath);
    const echo = client.stub<EchoClient>();
    for (let i = 0; i < 10; i += 1) await echo.Say({ message: 'warm' });
    let killed = false;
    const load = Array.from({ length: 8 }, async () => {
      const results: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        if (i === 10 && !killed) {
          killed = true;
          await a.drain(Date.now()); // abrupt: force-closes connections and in-flight calls
        }
        results.push((await echo.Say({ message: 'idem' })).instance);
      }
      return results;
    });
    const all = (await Promise.all(load)).flat();
    expect(all).toHaveLength(240);
    // A non-idempotent call to the dead instance is not retried.
    const writes = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.toInstance<EchoClient>('echo-1').Write({ message: 'w' })),
    );
    expect(writes.every((w) => w.status === 'rejected')).toBe(true);
    const reason = (writes[0] as PromiseRejectedResult).reason as LatticeError;
    expect(reason instanceof RpcUnavailableError || reason instanceof BreakerOpenError).toBe(true);
  });

  it('opens the breaker on a failing instance and shifts traffic to the healthy one', async () => {
    const healthy = await startEcho('echo-1');
    const failing = new GrpcServer({ host: '127.0.0.1', port: 0 });
    const base = echoImplementation('echo-2');
    failing.addService<EchoHandlers>(echoContract, {
      ...base,
      Say: () => {
        throw new LatticeError('TEST_BROKEN', 'dependency down', { status: 503, retryable: true });
      },
    });
    await failing.start();
    failing.onRegister();
    cleanups.push(async () => {
      await healthy.drain(Date.now());
      await failing.drain(Date.now());
    });
    const { client } = await setup([healthy, failing], fastPath, 'round-robin');
    const echo = client.stub<EchoClient>();
    const outcomes: string[] = [];
    for (let i = 0; i < 60; i += 1) {
      outcomes.push(
        await echo.Say({ message: 'b' }).then(
          (r) => r.instance,
          (e: LatticeError) => e.code,
        ),
      );
    }
    // Early calls may fail on echo-2; once its breaker is open every call lands on echo-1.
    expect(outcomes.slice(-30)).toEqual(Array.from({ length: 30 }, () => 'echo-1'));
    const direct = await client
      .toInstance<EchoClient>('echo-2')
      .Say({ message: 'b' })
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(BreakerOpenError);
  });
});
