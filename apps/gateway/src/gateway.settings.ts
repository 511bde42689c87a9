import { InvalidOptionsError, toValidationProblems } from '@lattice/core';
import { z } from 'zod';

/** The dev identity secret of the memory backend (never accepted on redis). */
export const DEV_IDENTITY_SECRET = 'lattice-dev-identity-secret';

const settingsSchema = z.object({
  identitySecret: z.string().min(16, 'must be at least 16 characters').optional(),
  services: z.record(z.string(), z.string().url()),
  saas: z.object({
    partners: z.record(
      z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'partner keys are 3-64 letters, digits, _ or -'),
      z.object({
        secret: z.string().min(16, 'must be at least 16 characters'),
        homes: z.array(z.string()).default([]),
        roles: z.array(z.string()).optional(),
      }),
    ),
  }),
  devToken: z.object({
    user: z.string().min(1),
    home: z.string().min(1),
    ttlSeconds: z.number().int().positive(),
    print: z.boolean(),
  }),
  server: z.object({
    headersTimeoutMs: z.number().int().positive(),
    requestTimeoutMs: z.number().int().positive(),
    maxHeadersCount: z.number().int().positive(),
    connectionsPerOrigin: z.number().int().positive(),
  }),
});

const jwtSchema = z.object({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  algorithm: z.enum(['HS256', 'RS256', 'ES256', 'EdDSA']),
  secret: z.string().min(32, 'HS256 secrets must be at least 32 characters').optional(),
  publicKeyFile: z.string().min(1).optional(),
  privateKeyFile: z.string().min(1).optional(),
  jwksUrl: z.string().url().optional(),
  clockToleranceSeconds: z.number().int().min(0).max(300),
});

/** The gateway's own settings (`gateway.*` and `auth.jwt.*` in the application namespace). */
export interface GatewaySettings extends z.infer<typeof settingsSchema> {
  identitySecret: string;
  jwt: z.infer<typeof jwtSchema>;
}

/** Defaults of `gateway.*` and `auth.jwt.*`. */
export const GATEWAY_SETTINGS_DEFAULTS = {
  gateway: {
    services: {
      device: 'http://127.0.0.1:3002',
      push: 'http://127.0.0.1:3003',
      scheduler: 'http://127.0.0.1:3004',
    },
    saas: { partners: {} },
    devToken: { user: 'demo-user', home: 'demo-home', ttlSeconds: 86_400, print: true },
    server: { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, maxHeadersCount: 100, connectionsPerOrigin: 128 },
  },
  auth: {
    jwt: { issuer: 'lattice', audience: 'lattice-api', algorithm: 'ES256', clockToleranceSeconds: 60 },
  },
};

/** Reads and validates the settings, listing every problem in one `CORE_INVALID_OPTIONS`. */
export function readGatewaySettings(read: (path: string) => unknown, backend: 'memory' | 'redis'): GatewaySettings {
  const settings = settingsSchema.safeParse(read('gateway') ?? {});
  const jwt = jwtSchema.safeParse(read('auth.jwt') ?? {});
  const problems = [
    ...(settings.success
      ? []
      : toValidationProblems(settings.error.issues).map((p) => ({ ...p, path: `gateway.${p.path}` }))),
    ...(jwt.success ? [] : toValidationProblems(jwt.error.issues).map((p) => ({ ...p, path: `auth.jwt.${p.path}` }))),
  ];
  if (read('gateway.identitySecret') === undefined && backend === 'redis')
    problems.push({
      path: 'gateway.identitySecret',
      message: 'required on the redis backend (shared with the services)',
    });
  if (jwt.success) {
    const j = jwt.data;
    if (j.algorithm === 'HS256' && j.secret === undefined)
      problems.push({ path: 'auth.jwt.secret', message: 'required for HS256' });
    if (j.algorithm !== 'HS256' && j.publicKeyFile === undefined && j.jwksUrl === undefined && backend === 'redis')
      problems.push({ path: 'auth.jwt.publicKeyFile', message: 'set publicKeyFile or jwksUrl on the redis backend' });
  }
  if (problems.length > 0 || !settings.success || !jwt.success) throw new InvalidOptionsError('gateway', problems);
  return { ...settings.data, identitySecret: settings.data.identitySecret ?? DEV_IDENTITY_SECRET, jwt: jwt.data };
}
