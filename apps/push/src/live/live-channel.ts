import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApplicationConfig, ApplicationLifecycle, type OnDrain } from '@lattice/boot';
import { EventBus, InjectEventBus } from '@lattice/events';
import { PROBLEM_CONTENT_TYPE, toProblem, type ClockTimer } from '@lattice/core';
import { InjectLogger, MetricsRegistry, type Counter, type Gauge, type Logger } from '@lattice/telemetry';
import type { PushMessage } from '../push.interfaces.js';
import type { StateUpdate } from '../stores/push-store.interfaces.js';
import type { FanoutNotice } from '../fanout/fanout.interfaces.js';
import { readIdentity } from '../internal/identity.js';
import { PushRuntime } from '../internal/push-runtime.js';
import { LiveSession, type SessionHost } from './live-session.js';
import { PushMessages } from '../push.messages.js';

const DEVICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * The heartbeat pings one slice of the sessions every this many ms, so each session is pinged
 * once per interval: pinging 10,000 sessions (and reading their 10,000 pongs) at once stalled the
 * process for ~290 ms every interval, and a twentieth of them at a time still ~20 ms every 1.5 s
 * (bench/src/push.bench.ts); a slice of ~30 costs about a millisecond.
 */
const HEARTBEAT_TICK_MS = 100;
/**
 * Deliveries and acknowledgements are recorded at most once per this many ms: at 5,000 messages/s
 * of one recipient each, recording every event-loop turn's few updates was a store call (a Redis
 * script and its syscalls) per message, and each ack frame another; now one call takes ~50. A
 * quiet channel records within a millisecond; under load the status lags the socket by at
 * most this much. A crash in between loses only those receipts: the message stays pending.
 */
const RECORD_WINDOW_MS = 10;

/**
 * The live WebSocket channel (`/push/ws`): authenticates the gateway's identity at the upgrade,
 * keeps several devices per user, replays from an offset, and delivers fan-out notices to the
 * sessions this replica holds.
 */
@Injectable()
export class LiveChannel implements OnApplicationBootstrap, OnApplicationShutdown, OnDrain, SessionHost {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  private readonly sessions = new Map<string, Set<LiveSession>>();
  // A broadcast serialises its message once, not once per session: its sessions send it one
  // after the other, so the last message's part of the frame is all there is to keep.
  private lastTail: { message: PushMessage; tail: string } | undefined;
  private server: Server | undefined;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: ClockTimer | undefined;
  /** Sessions by heartbeat slice; a new one joins the slice after the last one's. */
  private readonly heartbeatSlices: Set<LiveSession>[];
  private nextSlice = 0;
  private heartbeatTick = 0;
  private draining = false;
  /** Deliveries and acknowledgements of this window, recorded together (one store call). */
  private recordable: StateUpdate[] = [];
  private recording: NodeJS.Timeout | undefined;
  private lastRecordedAt = 0;
  private readonly connections: Gauge;
  private readonly wsDeliveries: ReturnType<Counter['labels']>;
  readonly maxBufferedBytes: number;

  constructor(
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ApplicationConfig,
    private readonly lifecycle: ApplicationLifecycle,
    @InjectEventBus() private readonly events: EventBus,
    metrics: MetricsRegistry,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.maxBufferedBytes = runtime.settings.ws.maxBufferedBytes;
    const slices = Math.max(1, Math.round(runtime.settings.ws.heartbeatIntervalMs / HEARTBEAT_TICK_MS));
    this.heartbeatSlices = Array.from({ length: slices }, () => new Set<LiveSession>());
    this.connections = metrics.gauge({ name: 'lattice_push_ws_connections', help: 'Open live WebSocket sessions' });
    this.wsDeliveries = metrics
      .counter({
        name: 'lattice_push_delivered_total',
        help: 'Notifications written to a device, by channel',
        labelNames: ['channel'],
      })
      .labels('ws');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    this.unsubscribe = await this.runtime.fanout.subscribe((notice) => this.dispatch(notice));
    this.armHeartbeat();
  }

  /** Hands a notice to this replica's sessions of its users. */
  dispatch(notice: FanoutNotice): void {
    for (const r of notice.recipients) {
      const sessions = this.sessions.get(r.userId);
      if (sessions === undefined) continue;
      for (const session of sessions) session.notify(r.offset, r.epoch, notice.message);
    }
  }

  /** Live sessions held by this replica (all users). */
  get size(): number {
    let n = 0;
    for (const set of this.sessions.values()) n += set.size;
    return n;
  }

  frameTail(message: PushMessage): string {
    if (this.lastTail?.message === message) return this.lastTail.tail;
    const tail = JSON.stringify({
      id: message.id,
      title: message.title,
      body: message.body,
      data: message.data,
      priority: message.priority,
      ...(message.collapseKey === undefined ? {} : { collapseKey: message.collapseKey }),
      sentAtMs: message.acceptedAtMs,
      expiresAtMs: message.expiresAtMs,
    }).slice(1);
    this.lastTail = { message, tail };
    return tail;
  }

  read(userId: string, afterOffset: number): ReturnType<SessionHost['read']> {
    return this.runtime.messages.read(userId, afterOffset, this.runtime.settings.ws.replayBatch);
  }

  nowMs(): number {
    return this.runtime.clock.now();
  }

  delivered(session: LiveSession, message: PushMessage): void {
    this.record(session, message.id, 'delivered');
  }

  acknowledged(session: LiveSession, messageIds: readonly string[]): void {
    for (const messageId of messageIds) this.record(session, messageId, 'acknowledged');
  }

  private record(session: LiveSession, messageId: string, state: 'delivered' | 'acknowledged'): void {
    this.recording ??= setTimeout(
      () => void this.recordWindow(),
      Math.max(0, this.lastRecordedAt + RECORD_WINDOW_MS - performance.now()),
    );
    const { userId, deviceId } = session;
    this.recordable.push({ messageId, userId, deviceId, state, atMs: this.runtime.clock.now() });
  }

  /** Writes the window's updates, then publishes the receipts of its acknowledgements. */
  private async recordWindow(): Promise<void> {
    this.recording = undefined;
    this.lastRecordedAt = performance.now();
    const updates = this.recordable;
    if (updates.length === 0) return;
    this.recordable = [];
    let delivered = 0;
    for (const update of updates) if (update.state === 'delivered') delivered++;
    this.wsDeliveries.inc(delivered);
    try {
      await this.runtime.messages.setStates(updates);
    } catch (error) {
      this.logger.warn({ err: error }, 'recording deliveries and acknowledgements failed');
      return;
    }
    if (!this.runtime.settings.receipts.enabled || delivered === updates.length) return;
    try {
      for (const { messageId, userId, deviceId, state, atMs } of updates)
        if (state === 'acknowledged')
          await this.events.publish({ type: 'push.receipt', tsMs: atMs, data: { messageId, userId, deviceId, state } });
    } catch (error) {
      this.logger.warn({ err: error }, 'publishing delivery receipts failed');
    }
  }

  /** Closes every session with 1001 (clients reconnect to another replica with their offset). */
  async onDrain(deadline: number): Promise<void> {
    this.draining = true;
    const all = [...this.sessions.values()].flatMap((set) => [...set]);
    await Promise.all(
      all
        .map(
          (session) =>
            new Promise<void>((resolve) => {
              if (session.ws.readyState === session.ws.CLOSED) return resolve();
              session.ws.once('close', () => resolve());
              session.ws.close(1001, PushMessages.draining());
            }),
        )
        .map((closed) =>
          Promise.race([closed, new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]),
        ),
    );
    for (const session of all) session.ws.terminate();
  }

  async onApplicationShutdown(): Promise<void> {
    this.draining = true;
    this.server?.off('upgrade', this.onUpgrade);
    this.unsubscribe?.();
    if (this.heartbeat !== undefined) this.runtime.clock.clearTimeout(this.heartbeat);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    // Deliveries and acknowledgements not recorded yet are written before the stores close.
    if (this.recording !== undefined) clearTimeout(this.recording);
    await this.recordWindow();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://push');
    if (url.pathname !== this.runtime.settings.ws.path) return refuse(socket, 404, { code: 'NOT_FOUND' });
    if (this.draining || this.lifecycle.state === 'draining')
      return refuse(socket, 503, { code: 'PUSH_DRAINING', detail: PushMessages.draining() });
    let identity;
    try {
      identity = readIdentity(req.headers, this.config.get<string | undefined>('gateway.identitySecret'));
    } catch (error) {
      return refuse(socket, 401, toProblem(error));
    }
    if (identity.user === '') return refuse(socket, 401, { code: 'PUSH_UNAUTHENTICATED' });
    const deviceId = url.searchParams.get('device') ?? 'default';
    const offsetParam = url.searchParams.get('offset');
    const offset = offsetParam === null ? undefined : Number(offsetParam);
    const epoch = url.searchParams.get('epoch') ?? undefined;
    if (!DEVICE_ID.test(deviceId) || (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)))
      return refuse(socket, 400, {
        code: 'PUSH_INVALID_MESSAGE',
        detail: 'device: 1-128 of A-Z a-z 0-9 . _ : -; offset: an integer ≥ 0',
      });
    const user = identity.user;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, user, deviceId, offset, epoch));
  };

  private open(
    ws: WebSocket,
    userId: string,
    deviceId: string,
    offset: number | undefined,
    epoch: string | undefined,
  ): void {
    const session = new LiveSession(ws, userId, deviceId, this);
    let set = this.sessions.get(userId);
    if (set === undefined) this.sessions.set(userId, (set = new Set()));
    set.add(session);
    const slice = this.heartbeatSlices[this.nextSlice++ % this.heartbeatSlices.length]!;
    slice.add(session);
    this.connections.inc();
    ws.on('pong', () => (session.alive = true));
    ws.on('message', (raw: RawData) => this.onFrame(session, raw));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      const current = this.sessions.get(userId);
      current?.delete(session);
      if (current?.size === 0) this.sessions.delete(userId);
      slice.delete(session);
      this.connections.dec();
    });
    void this.runtime.directory
      .putDevice(userId, { deviceId, provider: 'ws' })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'registering a live device failed'));
    session.start(offset, epoch);
  }

  private onFrame(session: LiveSession, raw: RawData): void {
    let frame: { type?: unknown; offset?: unknown };
    try {
      frame = JSON.parse(textOf(raw)) as typeof frame;
    } catch {
      session.ws.close(1003, 'frames are JSON');
      return;
    }
    if (frame.type === 'ack' && typeof frame.offset === 'number') session.ack(frame.offset);
    else if (frame.type === 'ping') session.ws.send('{"type":"pong"}');
  }

  /**
   * Each tick pings one slice: every session is pinged once per `ws.heartbeatIntervalMs`, and
   * one that has not answered the previous ping by its next turn is terminated.
   */
  private armHeartbeat(): void {
    const tickMs = Math.max(1, Math.round(this.runtime.settings.ws.heartbeatIntervalMs / this.heartbeatSlices.length));
    this.heartbeat = this.runtime.clock.setTimeout(() => {
      const slice = this.heartbeatSlices[this.heartbeatTick++ % this.heartbeatSlices.length]!;
      for (const session of slice) {
        if (!session.alive) {
          session.ws.terminate();
          continue;
        }
        session.alive = false;
        session.ws.ping();
      }
      this.armHeartbeat();
    }, tickMs);
    this.heartbeat.unref();
  }
}

function textOf(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
}

function refuse(socket: Duplex, status: number, problem: Record<string, unknown>): void {
  const body = JSON.stringify({ status, ...problem });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Bad Request'}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
