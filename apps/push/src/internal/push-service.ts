import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { newId } from '@lattice/core';
import { MetricsRegistry, InjectLogger, type Counter, type Logger } from '@lattice/telemetry';

type CounterChild = ReturnType<Counter['labels']>;
import { InvalidPushMessageError, PushForbiddenError, PushMessageNotFoundError } from '../push.errors.js';
import type { DeliveryState, PushMessage, PushTarget } from '../push.interfaces.js';
import type { AcceptResult, RecipientInput } from '../stores/push-store.interfaces.js';
import type { Identity } from './identity.js';
import { PushRuntime } from './push-runtime.js';

const ids = z.array(z.string().min(1).max(200)).max(10_000);
const messageSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'use 1-128 characters of A-Z a-z 0-9 . _ : -')
    .optional(),
  title: z.string().min(1).max(256),
  body: z.string().max(4096),
  data: z.record(z.string(), z.unknown()).default({}),
  priority: z.enum(['high', 'normal']).default('normal'),
  ttlSeconds: z.number().int().min(0).optional(),
  collapseKey: z.string().min(1).max(128).optional(),
  target: z
    .object({
      users: ids.optional(),
      homes: ids.optional(),
      tags: ids.optional(),
      tagsAnd: ids.optional(),
      aliases: ids.optional(),
      broadcast: z.boolean().optional(),
    })
    .strict()
    .refine((t) => Object.values(t).some((v) => v === true || (Array.isArray(v) && v.length > 0)), {
      message: 'name at least one of users, homes, tags, tagsAnd, aliases, broadcast',
    }),
});

const batchSchema = (max: number) => z.object({ messages: z.array(z.unknown()).min(1).max(max) }).strict();
type BatchSchema = ReturnType<typeof batchSchema>;

function problemsOf(issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map(
    (i) => `${i.path.length === 0 ? `${prefix.slice(0, -1) || '(body)'}` : prefix + i.path.join('.')}: ${i.message}`,
  );
}

/** A validated push request. */
export type PushRequest = z.output<typeof messageSchema>;

/** A message ready to be stored: its record, its recipients with their devices, its fallback time. */
interface PreparedMessage {
  readonly message: PushMessage;
  readonly recipients: readonly RecipientInput[];
  readonly fallbackAt: number | undefined;
}

/** One device's state in the status API. */
export interface DeviceStateView {
  readonly userId: string;
  readonly deviceId: string;
  readonly state: DeliveryState;
  readonly atMs: number;
}

/** Accepts, resolves and reports push messages. */
@Injectable()
export class PushService {
  private readonly created: CounterChild;
  private readonly duplicates: CounterChild;
  private readonly batch: BatchSchema;

  constructor(
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
    metrics: MetricsRegistry,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.batch = batchSchema(runtime.settings.maxBatch);
    const accepted = metrics.counter({
      name: 'lattice_push_accepted_total',
      help: 'Push messages accepted, by outcome (created, duplicate)',
      labelNames: ['outcome'],
    });
    // Bound once: a labelled inc() hashes its labels on every call.
    this.created = accepted.labels('created');
    this.duplicates = accepted.labels('duplicate');
  }

  /** Validates a request body, listing every problem. */
  parse(body: unknown): PushRequest {
    return this.parseAll([body], '')[0] as PushRequest;
  }

  /**
   * Validates the messages of a batch: every problem of every message is listed with its path
   * (`messages.3.title: ...`), and one bad message refuses the whole batch (nothing is stored).
   */
  parseBatch(body: unknown): PushRequest[] {
    const batch = this.batch.safeParse(body);
    if (!batch.success) throw new InvalidPushMessageError(problemsOf(batch.error.issues, ''));
    return this.parseAll(batch.data.messages, 'messages.');
  }

  private parseAll(bodies: readonly unknown[], prefix: string): PushRequest[] {
    const problems: string[] = [];
    const max = this.runtime.settings.maxTtlSeconds;
    const requests = bodies.map((body, index) => {
      const at = prefix === '' ? '' : `${prefix}${index}.`;
      const parsed = messageSchema.safeParse(body);
      if (!parsed.success) {
        problems.push(...problemsOf(parsed.error.issues, at));
        return undefined;
      }
      if (parsed.data.ttlSeconds !== undefined && parsed.data.ttlSeconds > max)
        problems.push(`${at}ttlSeconds: at most ${max}`);
      return parsed.data;
    });
    if (problems.length > 0) throw new InvalidPushMessageError(problems);
    return requests as PushRequest[];
  }

  /**
   * Plain users may address themselves and their own homes; admins and SaaS partners anyone;
   * only admins broadcast.
   */
  authorize(identity: Identity, target: PushTarget): void {
    const admin = identity.roles.includes('admin');
    if (target.broadcast === true && !admin) throw new PushForbiddenError('broadcast');
    if (admin || identity.saasKey !== '') return;
    for (const home of target.homes ?? []) if (!identity.homes.includes(home)) throw new PushForbiddenError(home);
    const others = [
      ...(target.users ?? []).filter((u) => u !== identity.user),
      ...(target.tags ?? []),
      ...(target.tagsAnd ?? []),
      ...(target.aliases ?? []),
    ];
    if (others.length > 0) throw new PushForbiddenError(`users:${others[0] ?? ''}`);
  }

  /** The union of every audience of the target. */
  async resolve(target: PushTarget): Promise<string[]> {
    const { directory } = this.runtime;
    if (target.broadcast === true) return [...(await directory.knownUsers())];
    const users = new Set(target.users ?? []);
    // Users alone (the common target) need no directory lookup.
    if (target.homes === undefined && !target.tags?.length && !target.tagsAnd?.length && !target.aliases?.length)
      return [...users];
    const parts = await Promise.all([
      ...(target.homes ?? []).map((home) => directory.homeMembers(home)),
      target.tags?.length ? directory.usersWithTags(target.tags, 'or') : Promise.resolve([]),
      target.tagsAnd?.length ? directory.usersWithTags(target.tagsAnd, 'and') : Promise.resolve([]),
      target.aliases?.length ? directory.usersWithAliases(target.aliases) : Promise.resolve([]),
    ]);
    for (const part of parts) for (const user of part) users.add(user);
    return [...users];
  }

  /** Stores the message durably (then it is answered 202) and wakes the replicas holding its users. */
  async accept(request: PushRequest, sender: string): Promise<AcceptResult> {
    return this.store(await this.prepare(request, sender));
  }

  /**
   * Accepts the messages of a batch; each is stored before the call returns, exactly as
   * {@link accept} does for one. Audiences are resolved concurrently; the stores are then called
   * in batch order without waiting in between (a Redis store pipelines them on one connection and
   * they run in that order), so one user's offsets follow the batch order.
   */
  async acceptBatch(requests: readonly PushRequest[], sender: string): Promise<AcceptResult[]> {
    const prepared = await Promise.all(requests.map((request) => this.prepare(request, sender)));
    return Promise.all(prepared.map((one) => this.store(one)));
  }

  private async prepare(request: PushRequest, sender: string): Promise<PreparedMessage> {
    const { settings, clock } = this.runtime;
    const users = await this.resolve(request.target);
    if (users.length > settings.maxRecipients)
      throw new InvalidPushMessageError([
        `target: resolves to ${users.length} users, at most ${settings.maxRecipients}`,
      ]);
    const ttlSeconds = request.ttlSeconds ?? settings.defaultTtlSeconds;
    const now = clock.now();
    const message: PushMessage = {
      id: request.id ?? newId(),
      title: request.title,
      body: request.body,
      data: request.data,
      priority: request.priority,
      ttlSeconds,
      ...(request.collapseKey === undefined ? {} : { collapseKey: request.collapseKey }),
      sender,
      acceptedAtMs: now,
      expiresAtMs: now + ttlSeconds * 1000,
    };
    // No device ids: the store reads each recipient's devices as it writes it (on Redis inside
    // the accept script), not in a lookup of its own before the accept can start.
    const recipients = users.map((userId) => ({ userId }));
    const fallbackAt = settings.fallback.enabled && ttlSeconds > 0 ? now + settings.fallback.delayMs : undefined;
    return { message, recipients, fallbackAt };
  }

  /**
   * Calls the store synchronously (before any await), which is what keeps a batch in order.
   * The replicas are woken for each part of the message as soon as that part is durable, so a
   * broadcast's first recipients get it while the store still writes the rest; the answer (202)
   * waits for the whole message.
   */
  private async store({ message, recipients, fallbackAt }: PreparedMessage): Promise<AcceptResult> {
    const { messages, fanout } = this.runtime;
    const notices: Promise<void>[] = [];
    const result = await messages.accept(message, recipients, fallbackAt, (stored, record) => {
      // The store is the record; a lost notice only delays delivery until the next one or a reconnect.
      notices.push(
        fanout
          .publish({ message: record, recipients: stored })
          .catch((error: unknown) => this.logger.warn({ err: error, id: message.id }, 'push fan-out notice failed')),
      );
    });
    (result.created ? this.created : this.duplicates).inc();
    await Promise.all(notices);
    return result;
  }

  /** Per-device states; `pending` past the TTL reads `expired`. */
  async status(id: string, identity: Identity): Promise<{ message: PushMessage; devices: DeviceStateView[] }> {
    const { messages, clock } = this.runtime;
    const message = await messages.get(id);
    if (message === undefined) throw new PushMessageNotFoundError(id);
    const privileged = identity.roles.includes('admin') || message.sender === senderOf(identity);
    // A recipient sees only its own devices; anyone else learns nothing, not even that the id exists.
    const states = (await messages.states(id)).filter((s) => privileged || s.userId === identity.user);
    if (states.length === 0 && !privileged) throw new PushMessageNotFoundError(id);
    const now = clock.now();
    const devices = states.map((s) =>
      s.state === 'pending' && now >= message.expiresAtMs
        ? { ...s, state: 'expired' as const, atMs: message.expiresAtMs }
        : s,
    );
    devices.sort((a, b) => a.userId.localeCompare(b.userId) || a.deviceId.localeCompare(b.deviceId));
    return { message, devices };
  }
}

/** The sender recorded on a message for this identity. */
export function senderOf(identity: Identity): string {
  return identity.saasKey !== '' ? `saas:${identity.saasKey}` : `user:${identity.user}`;
}
