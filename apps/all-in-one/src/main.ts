import { runApplications } from '@lattice/boot';
import { MemoryConfigStore } from '@lattice/config';
import { MemoryEventBus } from '@lattice/events';
import { MemoryRegistry } from '@lattice/discovery';
import { createDeviceApplication } from '@lattice-platform/device';
import { createGatewayApplication } from '@lattice-platform/gateway';
import { createPushApplication } from '@lattice-platform/push';
import { createSchedulerApplication } from '@lattice-platform/scheduler';

// The all-in-one runs every app in this one process on the memory backends, like a
// docker-compose stack with nothing to install. Each app keeps its own container, config,
// registry and port; only the process (and OpenTelemetry's global provider) is shared.
process.env['LATTICE_BACKEND'] ??= 'memory';

// One config center, one service registry and one event bus for the whole process, as
// Redis would be shared between separate processes: a release reaches the app it is for,
// the gateway finds the other apps, and device events reach scheduler's and push's groups.
const shared = {
  configStore: new MemoryConfigStore(),
  serviceRegistry: new MemoryRegistry(),
  eventBus: new MemoryEventBus(),
};
const apps = await Promise.all([
  createGatewayApplication(shared),
  createDeviceApplication(shared),
  createPushApplication(shared),
  createSchedulerApplication(shared),
]);

await runApplications(apps, {
  onReady(ready) {
    const lines = ready.map(
      (app) => `  ${app.name.padEnd(10)} ${app.url}  (health: ${app.url}/health/ready, metrics: ${app.url}/metrics)`,
    );
    process.stdout.write(`\nLattice all-in-one is up (backend: memory). Ctrl-C stops it.\n${lines.join('\n')}\n\n`);
  },
});
