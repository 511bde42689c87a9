import { z } from 'zod';
import { InvalidOptionsError, toValidationProblems } from '@lattice/core';

const alertRule = z.object({
  /** Event types this rule applies to. */
  types: z.array(z.string()).default(['device.event']),
  /** Every key must equal the event's `data[key]`. */
  match: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  title: z.string().min(1),
  /** `{deviceId}`, `{homeId}`, `{hubId}` are replaced. */
  body: z.string().min(1),
  priority: z.enum(['high', 'normal']).default('high'),
  ttlSeconds: z.number().int().min(0).default(3600),
  /** Only between these local hours (e.g. 22 → 6), for "door opened at night". */
  night: z.object({ fromHour: z.number().int().min(0).max(23), toHour: z.number().int().min(0).max(23) }).optional(),
});

/** The default device alerts: smoke, water leak, a door opened at night. */
export const DEFAULT_ALERT_RULES: z.input<typeof alertRule>[] = [
  { match: { smoke: true }, title: 'Smoke detected', body: 'Smoke detector {deviceId} raised an alarm.' },
  { match: { leak: true }, title: 'Water leak', body: 'Leak sensor {deviceId} detected water.' },
  {
    match: { contact: 'open' },
    title: 'Door opened at night',
    body: 'Contact sensor {deviceId} opened.',
    night: { fromHour: 22, toHour: 6 },
  },
];

const schema = z.object({
  instanceId: z.string().min(1).optional(),
  defaultTtlSeconds: z.number().int().min(0).default(86_400),
  maxTtlSeconds: z
    .number()
    .int()
    .min(0)
    .default(30 * 86_400),
  maxRecipients: z.number().int().positive().default(100_000),
  maxBatch: z.number().int().positive().max(10_000).default(500),
  store: z
    .object({
      keyPrefix: z.string().default('lattice:push:'),
      maxStreamLength: z.number().int().positive().default(1000),
      retentionSeconds: z.number().int().min(0).default(86_400),
    })
    .prefault({}),
  ws: z
    .object({
      path: z.string().startsWith('/').default('/push/ws'),
      heartbeatIntervalMs: z.number().int().positive().default(30_000),
      maxBufferedBytes: z.number().int().positive().default(1_048_576),
      replayBatch: z.number().int().positive().default(500),
    })
    .prefault({}),
  fallback: z
    .object({
      enabled: z.boolean().default(true),
      delayMs: z.number().int().min(0).default(10_000),
      pollIntervalMs: z.number().int().positive().default(1000),
      leaseMs: z.number().int().positive().default(30_000),
      maxAttempts: z.number().int().positive().default(5),
      backoff: z.string().default('full-jitter'),
      initialDelayMs: z.number().int().positive().default(1000),
      maxDelayMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  limits: z
    .object({
      perSenderQps: z.number().positive().default(50),
      perAppQps: z.number().positive().default(2000),
    })
    .prefault({}),
  receipts: z.object({ enabled: z.boolean().default(true) }).prefault({}),
  providers: z
    .object({
      webhook: z.object({ secret: z.string().min(1), timeoutMs: z.number().int().positive().optional() }).optional(),
      apns: z
        .object({
          endpoint: z.url(),
          teamId: z.string().min(1),
          keyId: z.string().min(1),
          privateKeyPem: z.string().min(1),
          topic: z.string().min(1),
          timeoutMs: z.number().int().positive().optional(),
        })
        .optional(),
      fcm: z
        .object({
          endpoint: z.url(),
          projectId: z.string().min(1),
          accessToken: z.string().min(1).optional(),
          serviceAccount: z
            .object({ clientEmail: z.string().min(1), privateKeyPem: z.string().min(1), tokenUri: z.url() })
            .optional(),
          timeoutMs: z.number().int().positive().optional(),
        })
        .refine((fcm) => fcm.accessToken !== undefined || fcm.serviceAccount !== undefined, {
          message: 'set accessToken or serviceAccount',
        })
        .optional(),
    })
    .prefault({}),
  alerts: z
    .object({
      enabled: z.boolean().default(true),
      group: z.string().default('push-alerts'),
      utcOffsetMinutes: z.number().int().min(-840).max(840).default(0),
      rules: z.array(alertRule).prefault(DEFAULT_ALERT_RULES),
      ruleTtlSeconds: z.number().int().min(0).default(3600),
    })
    .prefault({}),
});

/** The validated `push.*` configuration. */
export type PushSettings = z.output<typeof schema>;
/** One configured device alert. */
export type AlertRule = z.output<typeof alertRule>;

/** Validates `push.*` (listing every problem) and fills defaults. */
export function resolvePushSettings(raw: unknown): PushSettings {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success)
    throw new InvalidOptionsError(
      'push',
      toValidationProblems(parsed.error.issues).map((p) => ({ ...p, path: `push.${p.path}` })),
    );
  return parsed.data;
}

/** Validates alert rules from live config (an invalid release keeps the previous rules). */
export function parseAlertRules(raw: unknown): AlertRule[] | undefined {
  const parsed = z.array(alertRule).safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
