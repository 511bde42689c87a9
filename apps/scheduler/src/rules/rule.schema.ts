import { z } from 'zod';

const id = z.string().min(1).max(200);
const scalar = z.union([z.number(), z.string(), z.boolean()]);
const operator = z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']);
const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Berlin' },
);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/** A value predicate on one attribute of a device (`temperature gt 28`). */
export const predicateSchema = z.object({ attribute: id, op: operator, value: scalar });

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cron'), expression: z.string().min(1), timeZone: timeZone.default('UTC') }),
  z.object({ type: z.literal('at'), atMs: z.number().int().nonnegative() }),
  z.object({
    type: z.literal('interval'),
    everyMs: z.number().int().min(100),
    startMs: z.number().int().optional(),
    endMs: z.number().int().optional(),
  }),
  z.object({
    type: z.literal('sun'),
    event: z.enum(['sunrise', 'sunset']),
    offsetMs: z.number().int().default(0),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
  }),
  z.object({
    type: z.literal('device_event'),
    deviceId: id,
    eventType: z.string().min(1).default('device.event'),
    where: z.array(predicateSchema).default([]),
  }),
  z.object({
    type: z.literal('device_state'),
    deviceId: id,
    predicate: predicateSchema,
    forMs: z.number().int().nonnegative().default(0),
  }),
]);

/** A condition tree: leaves are checks, `and`/`or`/`not` combine them. */
export type Condition =
  | { type: 'time'; after: string; before: string; timeZone: string }
  | { type: 'weekday'; days: number[]; timeZone: string }
  | { type: 'sun'; state: 'up' | 'down'; latitude: number; longitude: number }
  | {
      type: 'device_state';
      deviceId: string;
      attribute: string;
      op: z.infer<typeof operator>;
      value: string | number | boolean;
    }
  | { type: 'and'; conditions: Condition[] }
  | { type: 'or'; conditions: Condition[] }
  | { type: 'not'; condition: Condition };

export const conditionSchema: z.ZodType<Condition, z.input<z.ZodType<Condition>>> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('time'), after: hhmm, before: hhmm, timeZone: timeZone.default('UTC') }),
    z.object({
      type: z.literal('weekday'),
      days: z.array(z.number().int().min(0).max(6)).min(1),
      timeZone: timeZone.default('UTC'),
    }),
    z.object({
      type: z.literal('sun'),
      state: z.enum(['up', 'down']),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
    }),
    z.object({ type: z.literal('device_state'), deviceId: id, attribute: id, op: operator, value: scalar }),
    z.object({ type: z.literal('and'), conditions: z.array(conditionSchema).min(1) }),
    z.object({ type: z.literal('or'), conditions: z.array(conditionSchema).min(1) }),
    z.object({ type: z.literal('not'), condition: conditionSchema }),
  ]),
);

export const actionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('device_command'),
    deviceId: id,
    method: z.string().min(1),
    params: z.record(z.string(), scalar).default({}),
    timeoutMs: z.number().int().positive().default(5000),
  }),
  z.object({ type: z.literal('set_desired'), deviceId: id, desired: z.record(z.string(), scalar) }),
  z.object({ type: z.literal('push'), title: z.string().min(1), body: z.string().default('') }),
  z.object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(['POST', 'PUT']).default('POST'),
    body: z.record(z.string(), z.unknown()).default({}),
    secret: z.string().min(16).optional(),
  }),
  z.object({ type: z.literal('delay'), ms: z.number().int().nonnegative().max(86_400_000) }),
  z.object({ type: z.literal('run_rule'), ruleId: id }),
]);

/** A rule as clients write it (POST / PUT body). */
export const ruleInputSchema = z.object({
  homeId: id,
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  mode: z.enum(['single', 'restart', 'queued', 'parallel']).default('single'),
  max: z.number().int().min(1).max(100).default(10),
  misfirePolicy: z.enum(['fire_once_now', 'skip']).default('fire_once_now'),
  catchUpWindowMs: z.number().int().nonnegative().default(3_600_000),
  triggers: z.array(triggerSchema).min(1),
  conditions: z.array(conditionSchema).default([]),
  actions: z.array(actionSchema).min(1),
});

export type Trigger = z.infer<typeof triggerSchema>;
export type Action = z.infer<typeof actionSchema>;
export type Predicate = z.infer<typeof predicateSchema>;
/** A validated rule body. */
export type RuleInput = z.infer<typeof ruleInputSchema>;
/** A input as sent, before defaults. */
export type RuleInputRaw = z.input<typeof ruleInputSchema>;

/** A stored rule: the body plus its id and version (incremented by every update). */
export interface Rule extends RuleInput {
  readonly id: string;
  readonly version: number;
  readonly createdMs: number;
  readonly updatedMs: number;
}
