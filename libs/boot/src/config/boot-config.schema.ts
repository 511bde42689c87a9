import { z } from 'zod';

const backend = z.enum(['memory', 'redis']);

/** The keys boot itself reads; apps add their own keys beside them. */
export const bootConfigSchema = z.object({
  server: z.object({
    /** Interface the HTTP server binds. */
    host: z.string().min(1),
    /** HTTP port; 0 picks a free one. */
    port: z.number().int().min(0).max(65535),
    /** Largest JSON request body Nest parses; a larger one is answered 413. */
    maxBodyBytes: z.number().int().positive(),
  }),
  lattice: z.object({
    backend,
    redis: z.object({ url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://') }),
    discovery: z.enum(['memory', 'redis', 'kubernetes', 'static']).optional(),
    zone: z.string().min(1).optional(),
  }),
  shutdown: z.object({
    /** Upper bound for draining in-flight calls and streams after the listener closes. */
    gracePeriodMs: z.number().int().min(0),
    /** Pause between deregistration and closing the listener, so callers' views catch up. */
    deregistrationDelayMs: z.number().int().min(0),
  }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

/** Boot's own configuration, after defaults, files and environment are merged. */
export type BootConfig = z.infer<typeof bootConfigSchema>;

/** Boot's defaults; every app overrides at least `server.port`. */
export const BOOT_CONFIG_DEFAULTS: BootConfig = {
  server: { host: '0.0.0.0', port: 8080, maxBodyBytes: 102_400 },
  lattice: { backend: 'memory', redis: { url: 'redis://127.0.0.1:6379' } },
  shutdown: { gracePeriodMs: 20_000, deregistrationDelayMs: 1_000 },
  log: { level: 'info' },
};
