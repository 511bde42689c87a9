import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { DeviceModule } from './device.module.js';

/** The device's configuration defaults (ports from ARCHITECTURE.md). */
export const DEVICE_DEFAULTS = {
  server: { port: 3002 },
  device: { hubLinkPort: 50051, internalGrpcPort: 50052 },
};

/** Builds the device app on boot; `start()` it, or hand it to `runApplications`. */
export function createDeviceApplication(
  options: Omit<LatticeApplicationOptions, 'name'> = {},
): Promise<LatticeApplication> {
  return LatticeApplication.create(DeviceModule, {
    ...options,
    name: 'device',
    defaults: { ...DEVICE_DEFAULTS, ...options.defaults },
  });
}
