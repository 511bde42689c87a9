/** One documented operation of the public API. */
interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: readonly string[];
  readonly request?: unknown;
  readonly status: number;
  readonly response: unknown;
  /** Error statuses with the codes they carry. */
  readonly errors: Readonly<Record<number, readonly string[]>>;
}

const AUTH_ERRORS = { 401: ['GATEWAY_UNAUTHENTICATED'], 429: ['RESILIENCE_RATE_LIMITED'] } as const;
const UPSTREAM_ERRORS = {
  502: ['GATEWAY_UPSTREAM_UNAVAILABLE'],
  503: ['RESILIENCE_BREAKER_OPEN'],
  504: ['GATEWAY_UPSTREAM_TIMEOUT'],
} as const;
const NOT_FOUND = { 404: ['GATEWAY_NOT_FOUND'] } as const;
const BAD_BODY = {
  400: ['MALFORMED_BODY', 'GATEWAY_BODY_INVALID', 'GATEWAY_BAD_PATH'],
  413: ['GATEWAY_PAYLOAD_TOO_LARGE'],
} as const;

const PUSH_ERRORS = {
  ...BAD_BODY,
  ...AUTH_ERRORS,
  ...UPSTREAM_ERRORS,
  400: [...BAD_BODY[400], 'PUSH_INVALID_MESSAGE'],
  403: ['PUSH_FORBIDDEN_TARGET'],
} as const;

const device = {
  deviceId: 'dev-42',
  hubId: 'hub-7',
  homeId: 'home-1',
  model: 'zigbee-bulb',
  capabilities: ['onOff', 'brightness'],
  online: true,
};
const shadow = {
  reported: { on: true, brightness: 80 },
  desired: { brightness: 40 },
  delta: { brightness: 40 },
  version: 12,
};
const rule = {
  id: 'rule-3',
  name: 'Night light',
  homeId: 'home-1',
  trigger: { type: 'event', deviceId: 'dev-9', event: 'motion' },
  actions: [{ deviceId: 'dev-42', method: 'setBrightness', params: { brightness: 20 } }],
  enabled: true,
};

const OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/v1/hubs',
    operationId: 'provisionHub',
    summary: 'Provision a hub into a home; the secret is shown once',
    tag: 'hubs',
    request: { homeId: 'home-1', name: 'Living room hub' },
    status: 201,
    response: { hubId: 'hub-7', secret: 'hs_3f1c9a0e7b2d4c58a1e6f0b9d2c7e4a1' },
    errors: { ...BAD_BODY, ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'get',
    path: '/api/v1/homes/{homeId}/devices',
    operationId: 'listHomeDevices',
    summary: 'Devices of a home, with online state',
    tag: 'devices',
    params: ['homeId'],
    status: 200,
    response: { items: [device] },
    errors: { ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{deviceId}',
    operationId: 'getDevice',
    summary: 'One device with its shadow',
    tag: 'devices',
    params: ['deviceId'],
    status: 200,
    response: { ...device, shadow },
    errors: { ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'post',
    path: '/api/v1/devices/{deviceId}/commands',
    operationId: 'sendCommand',
    summary: 'Send a command to a device and wait for its result',
    tag: 'devices',
    params: ['deviceId'],
    request: { method: 'setBrightness', params: { brightness: 40 }, timeoutMs: 5000 },
    status: 200,
    response: { commandId: 'cmd-1f2e', status: 'SUCCEEDED', result: { brightness: 40 } },
    errors: { ...BAD_BODY, ...AUTH_ERRORS, ...NOT_FOUND, 409: ['HUB_OFFLINE'], ...UPSTREAM_ERRORS },
  },
  {
    method: 'patch',
    path: '/api/v1/devices/{deviceId}/shadow',
    operationId: 'setDesired',
    summary: 'Set the desired state of a device',
    tag: 'devices',
    params: ['deviceId'],
    request: { desired: { brightness: 40 } },
    status: 200,
    response: shadow,
    errors: { ...BAD_BODY, ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'get',
    path: '/api/v1/rules',
    operationId: 'listRules',
    summary: 'Rules of the caller’s homes',
    tag: 'rules',
    status: 200,
    response: { items: [rule] },
    errors: { ...AUTH_ERRORS, ...UPSTREAM_ERRORS },
  },
  {
    method: 'post',
    path: '/api/v1/rules',
    operationId: 'createRule',
    summary: 'Create an IFTTT rule',
    tag: 'rules',
    request: { name: rule.name, homeId: rule.homeId, trigger: rule.trigger, actions: rule.actions },
    status: 201,
    response: rule,
    errors: { ...BAD_BODY, ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'get',
    path: '/api/v1/rules/{ruleId}',
    operationId: 'getRule',
    summary: 'One rule',
    tag: 'rules',
    params: ['ruleId'],
    status: 200,
    response: rule,
    errors: { ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'put',
    path: '/api/v1/rules/{ruleId}',
    operationId: 'replaceRule',
    summary: 'Replace a rule',
    tag: 'rules',
    params: ['ruleId'],
    request: { ...rule, id: undefined, enabled: false },
    status: 200,
    response: { ...rule, enabled: false },
    errors: { ...BAD_BODY, ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'delete',
    path: '/api/v1/rules/{ruleId}',
    operationId: 'deleteRule',
    summary: 'Delete a rule',
    tag: 'rules',
    params: ['ruleId'],
    status: 204,
    response: null,
    errors: { ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'get',
    path: '/api/v1/rules/{ruleId}/runs',
    operationId: 'listRuleRuns',
    summary: 'Recent runs of a rule',
    tag: 'rules',
    params: ['ruleId'],
    status: 200,
    response: { items: [{ runId: 'run-88', at: '2026-11-21T08:00:00Z', outcome: 'SUCCEEDED' }] },
    errors: { ...AUTH_ERRORS, ...NOT_FOUND, ...UPSTREAM_ERRORS },
  },
  {
    method: 'post',
    path: '/api/v1/push/messages',
    operationId: 'sendPush',
    summary: 'Send a notification to users, homes or tags',
    tag: 'push',
    request: {
      title: 'Door open',
      body: 'The front door has been open for 10 minutes',
      target: { homes: ['home-1'] },
      ttlSeconds: 3600,
    },
    status: 202,
    response: {
      id: '5c1f0c2e-8a4b-4d0e-9a57-0b7f3c1d2e4f',
      duplicate: false,
      recipients: 3,
      acceptedAtMs: 1763740800000,
      expiresAtMs: 1763744400000,
    },
    errors: PUSH_ERRORS,
  },
  {
    method: 'post',
    path: '/api/v1/push/messages/batch',
    operationId: 'sendPushBatch',
    summary: 'Send up to 500 notifications in one request, stored in order; one invalid message refuses all',
    tag: 'push',
    request: {
      messages: [
        { id: 'promo-42-u1', title: 'New scene', body: 'Try the evening scene', target: { users: ['u1'] } },
        { id: 'promo-42-u2', title: 'New scene', body: 'Try the evening scene', target: { users: ['u2'] } },
      ],
    },
    status: 202,
    response: {
      messages: [
        { id: 'promo-42-u1', duplicate: false, recipients: 1, acceptedAtMs: 1763740800000, expiresAtMs: 1763827200000 },
        { id: 'promo-42-u2', duplicate: false, recipients: 1, acceptedAtMs: 1763740800000, expiresAtMs: 1763827200000 },
      ],
    },
    errors: PUSH_ERRORS,
  },
  {
    method: 'get',
    path: '/api/v1/push/ws',
    operationId: 'pushChannel',
    summary: 'WebSocket upgrade: the app’s live notification channel (token in Authorization or access_token)',
    tag: 'push',
    status: 101,
    response: {
      type: 'message',
      offset: 7,
      epoch: 'e-3f2a',
      id: '5c1f0c2e-8a4b-4d0e-9a57-0b7f3c1d2e4f',
      title: 'Door open',
      body: 'The front door has been open for 10 minutes',
      data: {},
      priority: 'normal',
      sentAtMs: 1763740800120,
      expiresAtMs: 1763744400000,
    },
    errors: { ...AUTH_ERRORS, 404: ['GATEWAY_NOT_FOUND'], 502: ['GATEWAY_UPSTREAM_UNAVAILABLE'] },
  },
];

const problemExample = (status: number, code: string): unknown => ({
  type: `urn:lattice:error:${code.toLowerCase()}`,
  title: status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : 'Error',
  status,
  detail: 'What happened and how to fix it.',
  code,
});

/**
 * The OpenAPI 3.1 document of the public API: every operation with a request example (when
 * it has a body), a response example and its error codes as problem+json examples.
 *
 * @example
 * ```ts
 * const doc = buildOpenApiDocument('https://api.example.com');
 * ```
 */
export function buildOpenApiDocument(serverUrl = '/'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [String(op.status)]: {
        description: op.summary,
        ...(op.response === null
          ? {}
          : { content: { 'application/json': { example: op.response, schema: { type: 'object' } } } }),
      },
    };
    for (const [status, codes] of Object.entries(op.errors)) {
      responses[status] = {
        description: `Error: ${codes.join(', ')}`,
        content: {
          'application/problem+json': {
            schema: { $ref: '#/components/schemas/Problem' },
            examples: Object.fromEntries(codes.map((code) => [code, { value: problemExample(Number(status), code) }])),
          },
        },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      security: [{ bearer: [] }, { saasSignature: [] }],
      parameters: (op.params ?? []).map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
        example: name === 'homeId' ? 'home-1' : name === 'deviceId' ? 'dev-42' : 'rule-3',
      })),
      ...(op.request === undefined
        ? {
            'x-request-example': {
              method: op.method.toUpperCase(),
              path: op.path.replace('{homeId}', 'home-1').replace('{deviceId}', 'dev-42').replace('{ruleId}', 'rule-3'),
              headers: { authorization: 'Bearer <JWT>' },
            },
          }
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { type: 'object' }, example: op.request } },
            },
          }),
      responses,
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lattice public API',
      version: '1.0.0',
      description:
        'Apps authenticate with `Authorization: Bearer <JWT>` (claims sub, homes, roles). SaaS partners sign requests: ' +
        '`X-Lattice-Signature` = hex HMAC-SHA256(secret, METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA256(body))) with ' +
        '`X-Lattice-Key`, `X-Lattice-Timestamp` (seconds, ±5 minutes) and a single-use `X-Lattice-Nonce`. ' +
        'A user reaches only the homes in the token; other homes answer 404. Errors are application/problem+json with a stable `code`.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        saasSignature: { type: 'apiKey', in: 'header', name: 'X-Lattice-Signature' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            instance: { type: 'string' },
          },
        },
      },
    },
  };
}
