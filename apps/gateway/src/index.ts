export { createGatewayApplication, GATEWAY_DEFAULTS } from './gateway.application.js';
export { GatewayModule } from './gateway.module.js';
