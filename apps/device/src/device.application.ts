import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { DeviceModule } from './device.module.js';

/** The device's configuration defaults (ports from ARCHITECTURE.md). */
export const DEVICE_DEFAULTS = {
  server: { port: 3002 },
  device: { hubLinkPort: 50051, internalGrpcPort: 50052 },
};

/**
 * Options of {@link createDeviceApplication}: boot's options without `name`. Events go to
 * the bus boot provides (Redis Streams, or the in-process bus passed as `eventBus`).
 *
 * @example
 * ```ts
 * const options: DeviceApplicationOptions = { env: { LATTICE_BACKEND: 'memory' }, eventBus };
 * ```
 */
export type DeviceApplicationOptions = Omit<LatticeApplicationOptions, 'name'>;

/**
 * Builds the device app on boot; `start()` it, or hand it to `runApplications`.
 *
 * @example
 * ```ts
 * const app = await createDeviceApplication({ env: process.env });
 * await app.start();
 * ```
 */
export function createDeviceApplication(options: DeviceApplicationOptions = {}): Promise<LatticeApplication> {
  // The bus goes to boot, which provides it to the whole app (and closes it in order).
  return LatticeApplication.create(DeviceModule.forRoot({}), {
    ...options,
    name: 'device',
    defaults: { ...DEVICE_DEFAULTS, ...options.defaults },
  });
}
