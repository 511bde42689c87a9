export { createGatewayApplication, GATEWAY_DEFAULTS } from './gateway.application.js';
export { GatewayModule } from './gateway.module.js';
export type { GatewayModuleOptions } from './gateway.module-definition.js';
export { GatewayRuntime, ROUTES_NAMESPACE } from './gateway.runtime.js';
export type { RouteRefusal } from './gateway.runtime.js';
export { RouteTable } from './routes/route-table.js';
export type { CompiledRoute, RouteMatch, RouteRequest, RouteTarget } from './routes/route-table.js';
export type { RouteDefinition, RouteDefinitionInput } from './routes/route.schema.js';
export { DEFAULT_ROUTES } from './routes/default-routes.js';
export { identityHeaders, verifyIdentityHeaders, IDENTITY_HEADERS } from './auth/identity-headers.js';
export { signSaasRequest } from './auth/saas-verifier.js';
export type { Principal } from './auth/auth.interfaces.js';
export { buildOpenApiDocument } from './docs/openapi.js';
export {
  GatewayBadPathError,
  GatewayBodyInvalidError,
  GatewayForbiddenError,
  GatewayNotFoundError,
  GatewayPayloadTooLargeError,
  GatewayRoutesInvalidError,
  GatewayTimeoutError,
  GatewayUnauthenticatedError,
  GatewayUpstreamError,
} from './gateway.errors.js';
