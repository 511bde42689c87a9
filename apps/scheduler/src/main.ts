import { runApplications } from '@lattice/boot';
import { createSchedulerApplication } from './scheduler.application.js';

await runApplications([await createSchedulerApplication()]);
