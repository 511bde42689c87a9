import { runApplications } from '@lattice/boot';
import { createDeviceApplication } from './device.application.js';

await runApplications([await createDeviceApplication()]);
