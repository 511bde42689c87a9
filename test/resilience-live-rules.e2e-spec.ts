import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '@lattice/telemetry';
import { ConfigService, MemoryConfigStore } from '@lattice/config';
import { ResilienceRegistry } from '@lattice/resilience';
import { waitFor } from '#test/wait.js';

// Live rules end to end: a release of the `resilience.rules` namespace in the config
// center reconfigures a running pipeline; an invalid release changes nothing.
const logger = createLogger({ app: 'rules-spec', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const at = { appId: 'device', cluster: 'default', namespace: 'resilience.rules' };
const slow = (ms: number) => () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), ms));

describe('resilience rules from the config center', () => {
  it('applies a published rule set to a running pipeline, and refuses an invalid one as a whole', async () => {
    const store = new MemoryConfigStore();
    const config = new ConfigService({
      appId: 'device',
      store,
      namespaces: ['resilience.rules'],
      env: {},
      cacheDir: null,
      logger,
    });
    cleanups.push(() => config.close());
    await config.start();

    const registry = new ResilienceRegistry({
      policies: { 'device.getShadow': { timeout: { timeoutMs: 1_000 } } },
      logger,
    });
    const stop = registry.watch(config.source('resilience.rules'));
    cleanups.push(stop);
    expect(await registry.execute('device.getShadow', slow(100))).toBe('done');

    await store.publish({
      ...at,
      properties: { policies: { 'device.getShadow': { timeout: { timeoutMs: 20 } } } },
      author: 'ops',
    });
    await waitFor(() => registry.snapshot().rules.applied >= 2);
    await expect(registry.execute('device.getShadow', slow(100))).rejects.toMatchObject({ code: 'RESILIENCE_TIMEOUT' });

    await store.publish({
      ...at,
      properties: { policies: { 'device.getShadow': { timeout: { timeoutMs: -5 } } } },
      author: 'ops',
    });
    await waitFor(() => registry.snapshot().rules.refused >= 1);
    await expect(registry.execute('device.getShadow', slow(100))).rejects.toMatchObject({ code: 'RESILIENCE_TIMEOUT' });
  });
});
