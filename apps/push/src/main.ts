import { runApplications } from '@lattice/boot';
import { createPushApplication } from './push.application.js';

await runApplications([await createPushApplication()]);
