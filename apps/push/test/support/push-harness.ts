import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import type { LatticeApplication } from '@lattice/boot';
import type { EventBus } from '@lattice/events';
import type { ConfigTree } from '@lattice/core';
import { createPushApplication } from '@lattice-platform/push';

export const SECRET = 'test-identity-secret';

/** Where a push instance answers (in this process or a child). */
export interface PushEndpoint {
  readonly url: string;
  readonly wsUrl: string;
}

/** A push app on a free port. */
export interface TestPush extends PushEndpoint {
  readonly app: LatticeApplication;
  stop(): Promise<void>;
}

/** Starts push in this process (memory backend unless `env` says otherwise). */
export async function startPush(
  options: { env?: Record<string, string>; push?: ConfigTree; eventBus?: EventBus } = {},
): Promise<TestPush> {
  const app = await createPushApplication({
    env: {
      LATTICE_BACKEND: 'memory',
      LATTICE_DISCOVERY: 'memory',
      LATTICE_PUSH__SERVER__PORT: '0',
      LATTICE_PUSH__SERVER__HOST: '127.0.0.1',
      LATTICE_PUSH__LOG__LEVEL: 'silent',
      LATTICE_PUSH__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE_PUSH__SHUTDOWN__GRACE_PERIOD_MS: '2000',
      ...options.env,
    },
    defaults: { gateway: { identitySecret: SECRET }, push: options.push ?? {} },
    ...(options.eventBus ? { eventBus: options.eventBus } : {}),
  });
  await app.start();
  return {
    app,
    url: app.url,
    wsUrl: `${app.url.replace('http', 'ws')}/push/ws`,
    stop: () => app.shutdown('SIGTERM'),
  };
}

/** The gateway's identity headers, signed. */
export function identity(
  user: string,
  options: { homes?: string[]; roles?: string[]; saasKey?: string; secret?: string } = {},
): Record<string, string> {
  const homes = (options.homes ?? []).join(',');
  const roles = (options.roles ?? []).join(',');
  const saasKey = options.saasKey ?? '';
  const signature = createHmac('sha256', options.secret ?? SECRET)
    .update(`${user}\n${homes}\n${roles}\n${saasKey}`)
    .digest('hex');
  return {
    'x-lattice-user': user,
    'x-lattice-homes': homes,
    'x-lattice-roles': roles,
    'x-lattice-saas-key': saasKey,
    'x-lattice-identity-signature': signature,
  };
}

export const admin = (): Record<string, string> => identity('root', { roles: ['admin'] });

export interface Answer {
  status: number;
  type: string;
  body: Record<string, unknown>;
}

export async function call(
  push: PushEndpoint,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${push.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

let counter = 0;
/** Sends a message as an admin (any target). */
export async function send(push: PushEndpoint, fields: Record<string, unknown>, headers = admin()): Promise<Answer> {
  return call(push, 'POST', '/push/messages', headers, { title: `t${++counter}`, body: 'b', ...fields });
}

export type Frame = Record<string, unknown> & { type: string };

/** A live client that records every frame. */
export class LiveClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  /** WebSocket pings received from the server. */
  pings = 0;
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (raw) => {
      this.frames.push(JSON.parse((raw as Buffer).toString('utf8')) as Frame);
      this.wake();
    });
    ws.on('ping', () => {
      this.pings++;
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static connect(
    push: PushEndpoint,
    headers: Record<string, string>,
    query: { device?: string; offset?: number; epoch?: string } = {},
    /** false: a device that never answers the server's pings. */
    autoPong = true,
  ): Promise<LiveClient> {
    const params = new URLSearchParams();
    if (query.device !== undefined) params.set('device', query.device);
    if (query.offset !== undefined) params.set('offset', String(query.offset));
    if (query.epoch !== undefined) params.set('epoch', query.epoch);
    const ws = new WebSocket(`${push.wsUrl}?${params.toString()}`, { headers, autoPong });
    const client = new LiveClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
      ws.once('open', () => resolve(client));
    });
  }

  get messages(): Frame[] {
    return this.frames.filter((f) => f.type === 'message');
  }

  /** Waits until `predicate` holds for the frames (or fails after `timeoutMs`). */
  async until(predicate: (frames: Frame[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilMessages(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.messages.length >= n, timeoutMs);
  }

  /** Stops reading from the socket (a device that does not keep up), until {@link resume}. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  ack(offset: number): void {
    this.ws.send(JSON.stringify({ type: 'ack', offset }));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits a little and returns (for "nothing else arrives" checks). */
export const settle = (ms = 200): Promise<void> => new Promise((r) => setTimeout(r, ms));
