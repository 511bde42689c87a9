import type { RouteDefinitionInput } from './route.schema.js';

/**
 * The public API of ARCHITECTURE.md, routed to device, push and scheduler. In force while
 * the `gateway.routes` namespace has no `routes` key; a release of that namespace replaces it.
 * Device and scheduler serve the public paths as they are; push serves them without `/api/v1`
 * (`/api/v1/push/ws` → `/push/ws`).
 */
export const DEFAULT_ROUTES: readonly RouteDefinitionInput[] = [
  {
    id: 'home-devices',
    uri: 'lb://device',
    tenantParam: 'homeId',
    predicates: { path: ['/api/v1/homes/{homeId}/devices'], method: ['GET'] },
    filters: [{ retry: { maxAttempts: 2 } }],
    timeoutMs: 10_000,
  },
  {
    id: 'hubs',
    uri: 'lb://device',
    predicates: { path: ['/api/v1/hubs'], method: ['POST'] },
    filters: [{ requestSize: { maxBytes: 65_536 } }],
    timeoutMs: 10_000,
  },
  {
    id: 'device-commands',
    uri: 'lb://device',
    predicates: { path: ['/api/v1/devices/{deviceId}/commands'], method: ['POST'] },
    filters: [
      { requestSize: { maxBytes: 65_536 } },
      {
        validateBody: {
          schema: {
            type: 'object',
            required: ['method'],
            properties: {
              method: { type: 'string', minLength: 1, maxLength: 128 },
              params: { type: 'object' },
              timeoutMs: { type: 'integer', minimum: 1, maximum: 60_000 },
            },
          },
        },
      },
      { rateLimit: { qps: 20, burst: 40, keyBy: 'principal' } },
    ],
    timeoutMs: 65_000,
  },
  {
    id: 'devices',
    uri: 'lb://device',
    predicates: { path: ['/api/v1/devices/{deviceId}', '/api/v1/devices/{deviceId}/shadow'], method: ['GET', 'PATCH'] },
    filters: [{ requestSize: { maxBytes: 65_536 } }, { retry: { maxAttempts: 2 } }],
    timeoutMs: 10_000,
  },
  {
    id: 'rules',
    uri: 'lb://scheduler',
    predicates: { path: ['/api/v1/rules', '/api/v1/rules/{ruleId}', '/api/v1/rules/{ruleId}/runs'] },
    filters: [{ requestSize: { maxBytes: 262_144 } }, { retry: { maxAttempts: 2 } }],
    timeoutMs: 10_000,
  },
  {
    id: 'push-ws',
    uri: 'lb://push',
    websocket: true,
    predicates: { path: ['/api/v1/push/ws'], method: ['GET'] },
    filters: [{ stripPrefix: 2 }],
  },
  {
    id: 'push-messages',
    uri: 'lb://push',
    predicates: { path: ['/api/v1/push/messages'], method: ['POST'] },
    filters: [
      { stripPrefix: 2 },
      { requestSize: { maxBytes: 65_536 } },
      { rateLimit: { qps: 50, keyBy: 'principal' } },
    ],
    timeoutMs: 10_000,
  },
  {
    id: 'push-message-batches',
    uri: 'lb://push',
    predicates: { path: ['/api/v1/push/messages/batch'], method: ['POST'] },
    filters: [
      { stripPrefix: 2 },
      { requestSize: { maxBytes: 4_194_304 } },
      { rateLimit: { qps: 10, keyBy: 'principal' } },
    ],
    timeoutMs: 10_000,
  },
];
