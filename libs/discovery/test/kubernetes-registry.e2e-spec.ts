import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { DiscoveryClient, KubernetesRegistry, type ServiceSnapshot } from '@lattice/discovery';
import { endpointSlice, FakeKubeApi } from './fake-kube-api.js';
import { registryContract, waitFor } from './registry-contract.js';

registryContract({
  name: 'kubernetes',
  leases: false,
  carriesDetails: false,
  statusWritable: false,
  create: async (clock) => {
    const api = await new FakeKubeApi().start();
    const registry = new KubernetesRegistry({
      kubeConfig: api.kubeConfig(),
      namespace: 'lattice',
      clock,
      retryDelayMs: 50,
    });
    return {
      registry,
      // The registry follows the API by watch: seeding waits until it has seen the change.
      seed: async (instances) => {
        for (const i of instances)
          api.apply(
            endpointSlice(
              `${i.service}-${i.instanceId}`,
              i.service,
              [{ ip: i.host, pod: i.instanceId, ...(i.zone === undefined ? {} : { zone: i.zone }) }],
              Object.entries(i.ports).map(([name, port]) => ({ name, port })),
            ),
          );
        const has = async (service: string, id: string): Promise<boolean> =>
          (await registry.snapshot(service)).instances.some((x) => x.instanceId === id);
        for (const i of instances) await waitFor(() => has(i.service, i.instanceId));
      },
      remove: async (service, instanceId) => {
        api.delete(`${service}-${instanceId}`);
        await waitFor(
          async () => !(await registry.snapshot(service)).instances.some((x) => x.instanceId === instanceId),
        );
      },
      close: async () => {
        await registry.close();
        await api.stop();
      },
    };
  },
});

describe('KubernetesRegistry list and watch', () => {
  let api: FakeKubeApi;
  let registry: KubernetesRegistry;
  let latest: ServiceSnapshot | undefined;

  beforeEach(async () => {
    api = await new FakeKubeApi().start();
    registry = new KubernetesRegistry({ kubeConfig: api.kubeConfig(), namespace: 'lattice', retryDelayMs: 50 });
    latest = undefined;
  });
  afterEach(async () => {
    await registry.close();
    await api.stop();
  });

  const follow = (service: string): void => {
    registry.watch(service, { onSnapshot: (s) => (latest = s) });
  };
  const view = (): string => (latest?.instances ?? []).map((i) => `${i.instanceId}:${i.status}`).join(',');

  it('maps endpoint conditions to status, zone from topology, ports by name, and ignores unlabelled services', async () => {
    api.apply(
      endpointSlice(
        'device-abc',
        'device',
        [
          { ip: '10.1.0.1', pod: 'device-1', zone: 'eu-1a' },
          { ip: '10.1.0.2', pod: 'device-2', ready: false },
          { ip: '10.1.0.3', pod: 'device-3', ready: false, serving: true, terminating: true },
          { ip: '10.1.0.4', pod: 'device-4', ready: false, serving: false, terminating: true },
        ],
        [{ name: 'grpc', port: 50052 }, { port: 3002 }],
      ),
    );
    api.apply(endpointSlice('other-x', 'other', [{ ip: '10.9.0.1' }], undefined, {}));
    const { instances } = await registry.snapshot('device');
    expect(instances.map((i) => [i.instanceId, i.status])).toEqual([
      ['device-1', 'UP'],
      ['device-2', 'STARTING'],
      ['device-3', 'OUT_OF_SERVICE'],
      ['device-4', 'DOWN'],
    ]);
    expect(instances[0]).toMatchObject({ host: '10.1.0.1', zone: 'eu-1a', ports: { grpc: 50052, 'port-1': 3002 } });
    expect(instances[0]!.metadata).toMatchObject({
      endpointSlice: 'device-abc',
      nodeName: 'node-1',
      targetKind: 'Pod',
    });
    expect(await registry.services()).toEqual(['device']);
  });

  it('merges a service spread over several slices', async () => {
    api.apply(endpointSlice('push-1', 'push', [{ ip: '10.2.0.1', pod: 'push-a' }]));
    api.apply(endpointSlice('push-2', 'push', [{ ip: '10.2.0.2', pod: 'push-b' }]));
    expect((await registry.snapshot('push')).instances.map((i) => i.instanceId)).toEqual(['push-a', 'push-b']);
  });

  it('resumes a closed watch from the last resource version without listing again', async () => {
    api.apply(endpointSlice('s-1', 'svc', [{ ip: '10.0.0.1', pod: 'a' }]));
    follow('svc');
    await waitFor(() => view() === 'a:UP' && api.watchCount === 1);
    api.apply(endpointSlice('s-2', 'svc', [{ ip: '10.0.0.2', pod: 'b' }]));
    await waitFor(() => view() === 'a:UP,b:UP');
    api.closeWatches();
    await waitFor(() => api.watchCount === 1);
    api.delete('s-1');
    await waitFor(() => view() === 'b:UP');
    expect(api.requests.filter((r) => r === 'list')).toHaveLength(1);
    expect(api.requests.filter((r) => r.startsWith('watch@'))).toHaveLength(2);
  });

  it('lists again after 410 Gone and catches up on what changed meanwhile', async () => {
    api.apply(endpointSlice('s-1', 'svc', [{ ip: '10.0.0.1', pod: 'a' }]));
    follow('svc');
    await waitFor(() => view() === 'a:UP' && api.watchCount === 1);
    api.closeWatches();
    api.apply(endpointSlice('s-2', 'svc', [{ ip: '10.0.0.2', pod: 'b' }]));
    api.delete('s-1');
    api.compact(); // the watch's version is now too old
    await waitFor(() => view() === 'b:UP');
    expect(api.requests.filter((r) => r === 'list')).toHaveLength(2);
    await waitFor(() => api.watchCount === 1);
  });

  it('keeps the bookmarked version, so a restart after compaction does not relist', async () => {
    api.apply(endpointSlice('s-1', 'svc', [{ ip: '10.0.0.1', pod: 'a' }]));
    follow('svc');
    await waitFor(() => view() === 'a:UP' && api.watchCount === 1);
    api.bumpVersion(10); // other objects changed
    api.bookmark();
    await new Promise((r) => setTimeout(r, 50));
    api.compact();
    api.closeWatches();
    await waitFor(() => api.watchCount === 1);
    expect(api.requests.filter((r) => r === 'list')).toHaveLength(1);
    expect(api.requests.at(-1)).toBe(`watch@${1001 + 10}`);
  });

  it('reports the API unreachable: the first read fails, later outages leave clients stale until it is back', async () => {
    api.failNext('list', 500);
    api.failNext('list', 500);
    await expect(registry.snapshot('svc')).rejects.toThrow();
    api.apply(endpointSlice('s-1', 'svc', [{ ip: '10.0.0.1', pod: 'a' }]));
    const client = new DiscoveryClient(registry);
    await waitFor(async () => (await client.getInstances('svc').catch(() => [])).length === 1);
    await waitFor(() => api.watchCount === 1);
    api.failNext('watch', 503);
    api.failNext('watch', 503);
    api.closeWatches();
    await waitFor(() => client.health().stale.includes('svc'));
    expect((await client.getInstances('svc')).map((i) => i.instanceId)).toEqual(['a']);
    await waitFor(() => client.health().stale.length === 0);
    expect(registry.health().connected).toBe(true);
    await client.close();
  });
});
