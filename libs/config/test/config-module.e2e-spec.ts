import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TelemetryModule, MetricsRegistry } from '@lattice/telemetry';
import { z } from 'zod';
import {
  ConfigModule,
  ConfigService,
  ConfigValue,
  InjectConfigStore,
  MemoryConfigStore,
  type LiveValue,
  type ConfigStore,
} from '@lattice/config';
import { captureLogger, tempDir, waitFor } from './support/helpers.js';

const at = { appId: 'device', cluster: 'default', namespace: 'application' };

@Injectable()
class Throttle {
  @ConfigValue('rateLimit.rps', 5) declare readonly rps: number;
  @ConfigValue('missing.key', 'fallback') readonly missing!: string;
  readonly burst: LiveValue<number>;

  constructor(
    config: ConfigService,
    @InjectConfigStore() readonly store: ConfigStore,
  ) {
    this.burst = config.live<number>('rateLimit.burst', 1);
  }
}

describe('ConfigModule', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('forRootAsync provides a started ConfigService, live @ConfigValue properties and the store', async () => {
    const store = new MemoryConfigStore();
    await store.publish({ ...at, properties: { rateLimit: { rps: 10, burst: 20 } }, author: 'ops' });
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const metrics = new MetricsRegistry({ processMetrics: false });
    const { logger } = captureLogger();

    @Module({ providers: [Throttle], exports: [Throttle] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ serviceName: 'device', logger, metrics }),
        ConfigModule.forRootAsync({
          isGlobal: true,
          useFactory: () => ({
            appId: 'device',
            store,
            env: {},
            cacheDir: dir,
            namespaces: [
              {
                name: 'application',
                schema: z.object({ rateLimit: z.object({ rps: z.number(), burst: z.number() }) }),
              },
            ],
          }),
        }),
        FeatureModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cleanups.push(() => app.close());

    const throttle = app.get(Throttle);
    expect(throttle.rps).toBe(10);
    expect(throttle.missing).toBe('fallback');
    expect(throttle.burst.value).toBe(20);
    expect(throttle.store).toBe(store);

    await store.publish({ ...at, properties: { rateLimit: { rps: 30, burst: 40 } }, author: 'ops' });
    await waitFor(() => throttle.rps === 30);
    expect(throttle.burst.value).toBe(40);
    // The application's registry (from TelemetryModule) carries the config metrics.
    expect(await metrics.render()).toMatch(/lattice_config_source\{namespace="application",source="remote"\} 1/);
  });

  it('closes the store it opened on shutdown and fails start on an invalid namespace', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ appId: 'device', env: {}, cacheDir: null, logger: captureLogger().logger })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const config = app.get(ConfigService);
    let closed = false;
    const close = config.store.close.bind(config.store);
    config.store.close = () => {
      closed = true;
      return close();
    };
    await app.close();
    expect(closed).toBe(true);

    await expect(
      Test.createTestingModule({
        imports: [
          ConfigModule.forRoot({
            appId: 'device',
            env: {},
            cacheDir: null,
            logger: captureLogger().logger,
            namespaces: [{ name: 'application', schema: z.object({ required: z.string() }) }],
          }),
        ],
      }).compile(),
    ).rejects.toMatchObject({ code: 'CONFIG_NAMESPACE_INVALID' });
  });
});
