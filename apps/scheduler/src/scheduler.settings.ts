import { z } from 'zod';
import { InvalidOptionsError, toValidationProblems } from '@lattice/core';

/**
 * The scheduler's configuration (`scheduler.*` in config files, `LATTICE_SCHEDULER__SCHEDULER__*` in env).
 *
 * @example
 * ```ts
 * const settings: Partial<SchedulerSettings> = { leaseMs: 5000, runCheckIntervalMs: 500 };
 * SchedulerModule.forRoot({ settings });
 * ```
 */
export interface SchedulerSettings {
  /** Lease of a claimed firing, in ms; a replica silent for longer loses its firings. @default 10000 */
  leaseMs: number;
  /** Longest sleep between two looks at the timer store (and of a queued run at its turn), in ms. @default 200 */
  pollIntervalMs: number;
  /** Longest time between two checks of a run's entry in the run registry, in ms (bounds how late a `restart` on another replica stops it). @default 1000 */
  runCheckIntervalMs: number;
  /** Firings claimed per look. @default 256 */
  claimBatchSize: number;
  /** How far ahead of their due time firings are claimed (each still starts when due), in ms; below half of `leaseMs`. @default 50 */
  claimAheadMs: number;
  /** Lateness from which a time firing is a misfire (after downtime), in ms. @default 10000 */
  misfireThresholdMs: number;
  /** Runs kept in each rule's history. @default 100 */
  maxRunsPerRule: number;
  /** Prefix of the scheduler's Redis keys. @default 'lattice:scheduler:' */
  keyPrefix: string;
  /** Consumer group on the event bus. @default 'scheduler-rules' */
  eventGroup: string;
  /** Timeout of a webhook call, in ms. @default 5000 */
  webhookTimeoutMs: number;
  /** Connections kept to one webhook origin (more calls at once wait for one). @default 32 */
  webhookConnectionsPerOrigin: number;
  /** Device app in discovery (or a fixed `host:port`). @default { service: 'device' } */
  device: { service: string; address?: string | undefined };
  /** Push app in discovery. @default { service: 'push' } */
  push: { service: string };
}

/**
 * Defaults of {@link SchedulerSettings}.
 *
 * @example
 * ```ts
 * const leaseMs = SCHEDULER_SETTINGS_DEFAULTS.leaseMs; // 10000
 * ```
 */
export const SCHEDULER_SETTINGS_DEFAULTS: SchedulerSettings = {
  leaseMs: 10_000,
  pollIntervalMs: 200,
  runCheckIntervalMs: 1000,
  claimBatchSize: 256,
  claimAheadMs: 50,
  misfireThresholdMs: 10_000,
  maxRunsPerRule: 100,
  keyPrefix: 'lattice:scheduler:',
  eventGroup: 'scheduler-rules',
  webhookTimeoutMs: 5000,
  webhookConnectionsPerOrigin: 32,
  device: { service: 'device' },
  push: { service: 'push' },
};

const schema = z
  .object({
    leaseMs: z.number().int().min(100),
    pollIntervalMs: z.number().int().min(1),
    runCheckIntervalMs: z.number().int().min(10),
    claimBatchSize: z.number().int().min(1).max(10_000),
    claimAheadMs: z.number().int().min(0),
    misfireThresholdMs: z.number().int().min(0),
    maxRunsPerRule: z.number().int().min(1),
    keyPrefix: z.string(),
    eventGroup: z.string().min(1),
    webhookTimeoutMs: z.number().int().min(1),
    webhookConnectionsPerOrigin: z.number().int().min(1),
    device: z.object({ service: z.string().min(1), address: z.string().min(1).optional() }),
    push: z.object({ service: z.string().min(1) }),
  })
  // A firing claimed ahead must start well inside its lease (the rest is the lease's margin);
  // checked only against a valid lease, so one wrong setting is one problem.
  .refine((s) => s.leaseMs < 100 || s.claimAheadMs < s.leaseMs / 2, {
    path: ['claimAheadMs'],
    message: 'must be below half of leaseMs',
  });

/**
 * Merges `scheduler.*` (`raw`) over `base` (settings given in code) over the defaults and
 * validates the result, listing every problem.
 *
 * @example
 * ```ts
 * const settings = resolveSchedulerSettings(config.get('scheduler', {}), { leaseMs: 5000 });
 * ```
 */
export function resolveSchedulerSettings(raw: unknown, base: Partial<SchedulerSettings> = {}): SchedulerSettings {
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<SchedulerSettings>;
  const merged = {
    ...SCHEDULER_SETTINGS_DEFAULTS,
    ...base,
    ...given,
    device: { ...SCHEDULER_SETTINGS_DEFAULTS.device, ...base.device, ...given.device },
    push: { ...SCHEDULER_SETTINGS_DEFAULTS.push, ...base.push, ...given.push },
  };
  const result = schema.safeParse(merged);
  if (!result.success) throw new InvalidOptionsError('scheduler', toValidationProblems(result.error.issues));
  return result.data;
}
