import { runApplications } from '@lattice/boot';
import { createGatewayApplication } from './gateway.application.js';

await runApplications([await createGatewayApplication()]);
