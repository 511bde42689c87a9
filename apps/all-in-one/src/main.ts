import { runApplications } from '@lattice/boot';
import { MemoryConfigStore } from '@lattice/config';
import { createDeviceApplication } from '@lattice-platform/device';
import { createGatewayApplication } from '@lattice-platform/gateway';
import { createPushApplication } from '@lattice-platform/push';
import { createSchedulerApplication } from '@lattice-platform/scheduler';

// The all-in-one runs every app in this one process on the memory backends, like a
// docker-compose stack with nothing to install. Each app keeps its own container, config,
// registry and port; only the process (and OpenTelemetry's global provider) is shared.
process.env['LATTICE_BACKEND'] ??= 'memory';

// One config center for the whole process, so a release published through any app's
// admin API reaches the app it is for.
const configStore = new MemoryConfigStore();
const apps = await Promise.all([
  createGatewayApplication({ configStore }),
  createDeviceApplication({ configStore }),
  createPushApplication({ configStore }),
  createSchedulerApplication({ configStore }),
]);

await runApplications(apps, {
  onReady(ready) {
    const lines = ready.map(
      (app) => `  ${app.name.padEnd(10)} ${app.url}  (health: ${app.url}/health/ready, metrics: ${app.url}/metrics)`,
    );
    process.stdout.write(`\nLattice all-in-one is up (backend: memory). Ctrl-C stops it.\n${lines.join('\n')}\n\n`);
  },
});
