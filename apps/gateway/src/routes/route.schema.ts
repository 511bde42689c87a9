import { z } from 'zod';

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid header name');
const regexp = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');
const cidr = z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP or CIDR (10.0.0.0/8)');
const instant = z.union([z.string(), z.date()]).refine((v) => !Number.isNaN(new Date(v).getTime()), 'must be a date');
const matcher = z.object({ name: z.string().min(1), regexp: regexp.optional() });
const header = z.object({ name: headerName, value: z.string() });
const problemBody = z.object({
  status: z.number().int().min(400).max(599),
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an upper-case code'),
  detail: z.string().optional(),
});

/** Predicates of a route: every one given must hold. */
export const predicatesSchema = z
  .object({
    path: z.array(z.string().startsWith('/', 'must start with /')).min(1).optional(),
    method: z
      .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
      .min(1)
      .optional(),
    host: z.array(z.string().min(1)).min(1).optional(),
    header: z.array(matcher).optional(),
    query: z.array(matcher).optional(),
    cookie: z.array(matcher).optional(),
    remoteAddr: z.array(cidr).min(1).optional(),
    weight: z.object({ group: z.string().min(1), weight: z.number().int().min(0) }).optional(),
    after: instant.optional(),
    before: instant.optional(),
    between: z.tuple([instant, instant]).optional(),
  })
  .strict();

/** One filter: exactly one key. */
export const filterSchema = z.union([
  z.object({ stripPrefix: z.number().int().min(1) }).strict(),
  z.object({ prefixPath: z.string().startsWith('/') }).strict(),
  z.object({ rewritePath: z.object({ regexp, replacement: z.string() }) }).strict(),
  z.object({ setPath: z.string().startsWith('/') }).strict(),
  z.object({ addRequestHeader: header }).strict(),
  z.object({ setRequestHeader: header }).strict(),
  z.object({ removeRequestHeader: headerName }).strict(),
  z.object({ addResponseHeader: header }).strict(),
  z.object({ setResponseHeader: header }).strict(),
  z.object({ removeResponseHeader: headerName }).strict(),
  z.object({ requestSize: z.object({ maxBytes: z.number().int().positive() }) }).strict(),
  z
    .object({
      rateLimit: z.object({
        qps: z.number().positive(),
        burst: z.number().int().positive().optional(),
        keyBy: z.enum(['user', 'saas', 'ip', 'principal']).default('principal'),
      }),
    })
    .strict(),
  z
    .object({
      circuitBreaker: z.object({
        minimumCalls: z.number().int().positive().optional(),
        failureRateThresholdPercent: z.number().min(1).max(100).optional(),
        windowSizeCalls: z.number().int().positive().optional(),
        openDurationMs: z.number().int().positive().optional(),
        halfOpenPermittedCalls: z.number().int().positive().optional(),
        statuses: z.array(z.number().int().min(500).max(599)).optional(),
        fallback: z.union([z.object({ uri: z.string().url() }).strict(), problemBody.strict()]).optional(),
      }),
    })
    .strict(),
  z
    .object({
      retry: z.object({
        maxAttempts: z.number().int().min(1).max(10).default(3),
        statuses: z.array(z.number().int().min(500).max(599)).default([502, 503, 504]),
        methods: z.array(z.enum(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])).default(['GET', 'HEAD', 'OPTIONS']),
        initialDelayMs: z.number().int().min(0).default(50),
        maxDelayMs: z.number().int().min(0).default(1000),
      }),
    })
    .strict(),
  z.object({ timeout: z.object({ timeoutMs: z.number().int().positive() }) }).strict(),
  z
    .object({
      cors: z.object({
        allowedOrigins: z.array(z.string().min(1)).min(1),
        allowedMethods: z.array(z.string()).default(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        allowedHeaders: z.array(z.string()).default(['authorization', 'content-type']),
        allowCredentials: z.boolean().default(false),
        maxAgeSeconds: z.number().int().min(0).default(600),
      }),
    })
    .strict(),
  z.object({ validateBody: z.object({ schema: z.record(z.string(), z.unknown()) }) }).strict(),
]);

/** A route: predicates select requests, filters shape them, `uri` is where they go. */
export const routeSchema = z
  .object({
    id: z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'must be letters, digits, _ . -'),
    order: z.number().int().default(0),
    uri: z
      .string()
      .regex(/^(lb:\/\/[a-z0-9][a-z0-9-]*|https?:\/\/[^\s/]+)\/?$/, 'must be lb://<service> or an http(s) origin'),
    auth: z.enum(['user', 'saas', 'admin', 'none']).default('user'),
    /** Path capture naming the home the request is about; a user reaches only the homes in the token. */
    tenantParam: z.string().min(1).optional(),
    websocket: z.boolean().default(false),
    predicates: predicatesSchema.default({}),
    filters: z.array(filterSchema).default([]),
    /** Upper bound of the whole exchange with the upstream, retries included. */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .strict();

/** The `gateway.routes` namespace: a `routes:` list (ids are checked for uniqueness by the compiler). */
export const routeTableSchema = z
  .object({
    routes: z.array(routeSchema),
  })
  .passthrough();

/** A route as written in config (input of {@link routeSchema}). */
export type RouteDefinitionInput = z.input<typeof routeSchema>;
/** A validated route with defaults applied. */
export type RouteDefinition = z.output<typeof routeSchema>;
/** A validated filter. */
export type FilterDefinition = z.output<typeof filterSchema>;
