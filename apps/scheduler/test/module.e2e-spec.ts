import { afterAll, describe, expect, it } from '@jest/globals';
import { LatticeApplication } from '@lattice/boot';
import { MemoryEventBus } from '@lattice/events';
import { SCHEDULER_DEFAULTS, SchedulerModule } from '@lattice-platform/scheduler';

const bus = new MemoryEventBus();
const apps: LatticeApplication[] = [];
afterAll(async () => {
  for (const app of apps) await app.shutdown('SIGTERM');
  await bus.close();
});

const env = {
  LATTICE_BACKEND: 'memory',
  LATTICE_DISCOVERY: 'memory',
  LATTICE_SCHEDULER__SERVER__PORT: '0',
  LATTICE_SCHEDULER__SERVER__HOST: '127.0.0.1',
  LATTICE_SCHEDULER__LOG__LEVEL: 'silent',
  LATTICE_SCHEDULER__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
  LATTICE_SCHEDULER__SHUTDOWN__GRACE_PERIOD_MS: '1000',
};

describe('SchedulerModule.forRoot / forRootAsync', () => {
  it('forRootAsync settings are validated at start-up with every problem listed', async () => {
    const module = SchedulerModule.forRootAsync({
      useFactory: () => Promise.resolve({ settings: { leaseMs: 5, claimBatchSize: 0 } }),
    });
    const failure: unknown = await LatticeApplication.create(module, {
      name: 'scheduler',
      env,
      defaults: SCHEDULER_DEFAULTS,
      eventBus: bus,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('Invalid options for scheduler (2 problems)');
    expect((failure as Error).message).toContain('leaseMs: Too small');
    expect((failure as Error).message).toContain('claimBatchSize: Too small');
  });

  it("forRoot settings sit beneath the app's configuration, and the app serves the rules API", async () => {
    const app = await LatticeApplication.create(SchedulerModule.forRoot({ settings: { leaseMs: 5 } }), {
      name: 'scheduler',
      env,
      // Configuration overrides the code's (invalid) lease, so the app starts.
      defaults: { ...SCHEDULER_DEFAULTS, scheduler: { leaseMs: 2000 } },
      eventBus: bus,
    });
    apps.push(app);
    await app.start();
    const res = await fetch(`${app.url}/api/v1/rules`, {
      headers: { 'x-lattice-user': 'u1', 'x-lattice-homes': 'h1', 'x-lattice-roles': '' },
    });
    expect(res.status).toBe(200);
  });
});
