import { newId, type Clock, type ClockTimer } from '@lattice/core';
import type { ServerCallContext, ServerRequestStream } from '@lattice/rpc';
import type { Counter, Gauge, Logger, MetricsRegistry } from '@lattice/telemetry';
import type { CloudFrame } from '../generated/lattice/device/v1/CloudFrame.js';
import type { DeviceInfo__Output } from '../generated/lattice/device/v1/DeviceInfo.js';
import type { HubFrame__Output } from '../generated/lattice/device/v1/HubFrame.js';
import type { DeviceSettings } from '../config/device-settings.js';
import {
  CommandTimeoutError,
  ConnectionReplacedError,
  HeartbeatMissedError,
  HubNotHeldError,
  HubUnauthenticatedError,
  InstanceDrainingError,
  StreamOverflowError,
} from '../device.errors.js';
import { DeviceMessages } from '../device.messages.js';
import { isDroppedFrame, type HubLinkFrame } from '../grpc/device.contracts.js';
import { TelemetryFrame } from '../internal/hub-frame-codec.js';
import type { DeviceEvents } from '../internal/device-events.js';
import { verifyHubSecret } from '../internal/hub-secrets.js';
import { RouteCache } from '../internal/route-cache.js';
import { VerifiedSecrets } from '../internal/verified-secrets.js';
import { fromWireValues, toMs, toWireValues } from '../internal/values.js';
import type {
  CommandRecord,
  CommandStatus,
  CommandStore,
  DeviceRecord,
  DeviceStore,
  HubRecord,
  HubRoute,
  ShadowStore,
  HubStore,
} from '../stores/device-stores.interfaces.js';
import { HubSession, type HubSessionOwner } from './hub-session.js';
import { IngestBatch } from './ingest-batch.js';
import { ReadThrottle } from './read-throttle.js';

/** What the hub link needs; built once per application. */
export interface HubLinkDeps {
  readonly settings: DeviceSettings;
  readonly instanceId: string;
  readonly hubs: HubStore;
  readonly devices: DeviceStore;
  readonly shadows: ShadowStore;
  readonly commands: CommandStore;
  readonly events: DeviceEvents;
  readonly metrics: MetricsRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Tells the replica that held the hub before that a newer connection exists. */
  readonly releaseElsewhere?: (previous: HubRoute, epoch: number) => void;
}

const RESULT_STATUS: Record<string, CommandStatus> = { SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', REJECTED: 'REJECTED' };
const REFRESH_BATCH = 1000;
const ROUTE_CACHE_MAX_ENTRIES = 100_000;

/**
 * The hub link: authenticates `HubLink.Connect` streams, keeps one stream per hub (the
 * newest wins), routes in the hub store with connection epochs, heartbeats, the hub's
 * device list, telemetry into shadows, desired state and commands down, presence and
 * device events to the bus. A bad frame is dropped and counted; it never ends other streams.
 */
export class HubLinkService implements HubSessionOwner {
  /** Hub routes remembered for up to `sweepIntervalMs`; routes claimed and released here update it at once. */
  readonly routes: RouteCache;
  private readonly sessions = new Map<string, HubSession>();
  private readonly connected: Gauge;
  private readonly frames: Map<string, Counter>;
  private readonly framesCounter: Counter<'type'>;
  private readonly dropped: Counter<'reason'>;
  private readonly overflows: Counter;
  private readonly authFailures: Counter;
  private readonly heartbeatTimeouts: Counter;
  private readonly authCacheHits: Counter;
  private readonly readsHeld: Counter;
  private readonly routeTtlMs: number;
  private sweepTimer: ClockTimer | undefined;
  private draining = false;
  private readonly dummyHash: string;
  private readonly ingest: IngestBatch;
  private readonly throttle: ReadThrottle;
  private readonly verified: VerifiedSecrets;

  constructor(private readonly deps: HubLinkDeps) {
    const { metrics, settings } = deps;
    this.connected = metrics.gauge({
      name: 'lattice_device_connected_hubs',
      help: 'Hub streams held by this instance',
    });
    this.connected.set(0);
    this.framesCounter = metrics.counter({
      name: 'lattice_device_frames_total',
      help: 'Hub frames received, by type',
      labelNames: ['type'],
    });
    this.frames = new Map();
    this.dropped = metrics.counter({
      name: 'lattice_device_frames_dropped_total',
      help: 'Hub frames refused or dropped, by reason',
      labelNames: ['reason'],
    });
    this.overflows = metrics.counter({
      name: 'lattice_device_stream_overflows_total',
      help: 'Hub streams closed because their send queue overflowed',
    });
    this.authFailures = metrics.counter({
      name: 'lattice_device_auth_failures_total',
      help: 'Hub connections refused as unauthenticated',
    });
    this.authCacheHits = metrics.counter({
      name: 'lattice_device_auth_cache_hits_total',
      help: 'Hub connections whose secret was recently verified, so the scrypt check was skipped',
    });
    this.readsHeld = metrics.counter({
      name: 'lattice_device_reads_held_total',
      help: 'Hub connections held (not read for a few turns) because a turn had read its budget of frames',
    });
    this.heartbeatTimeouts = metrics.counter({
      name: 'lattice_device_heartbeat_timeouts_total',
      help: 'Hub streams closed after three silent heartbeat intervals',
    });
    this.ingest = new IngestBatch(
      deps.shadows,
      deps.events,
      deps.clock,
      { telemetry: this.frameCounter('telemetry'), event: this.frameCounter('event') },
      (error, frames) => {
        this.dropped.inc({ reason: 'error' }, frames);
        deps.logger.warn({ err: error, frames }, 'telemetry frames dropped: shadows could not be updated');
      },
    );
    this.throttle = new ReadThrottle(settings.readFramesPerTurn);
    this.routes = new RouteCache(deps.clock, settings.sweepIntervalMs, ROUTE_CACHE_MAX_ENTRIES);
    this.verified = new VerifiedSecrets(deps.clock, settings.authCacheTtlMs, settings.authCacheMaxEntries);
    this.routeTtlMs = 3 * settings.heartbeatIntervalMs + 2 * settings.sweepIntervalMs;
    this.dummyHash = `scrypt$${settings.secretHashCost}$${'A'.repeat(22)}$${'A'.repeat(43)}`;
  }

  /** Number of hub streams held here. */
  get size(): number {
    return this.sessions.size;
  }

  /** The session holding `hubId` here, if any. */
  session(hubId: string): HubSession | undefined {
    return this.sessions.get(hubId);
  }

  /** Starts the presence / heartbeat sweep. */
  start(): void {
    this.scheduleSweep();
  }

  /** `HubLink.Connect` handler: the hub is authenticated when the transport first pulls a frame. */
  connect(requests: ServerRequestStream<HubLinkFrame>, ctx: ServerCallContext): AsyncIterable<CloudFrame> {
    return new HubStream(() => this.open(requests, ctx));
  }

  /** Ends every stream with UNAVAILABLE so hubs reconnect to another instance; stops the sweep. */
  drain(): void {
    this.draining = true;
    this.stop();
    for (const session of [...this.sessions.values()]) session.close(new InstanceDrainingError());
  }

  /** Stops timers (streams end with their server); frames read so far are still written. */
  stop(): void {
    if (this.sweepTimer) this.deps.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.throttle.resumeAll();
    void this.ingest.flush();
  }

  /** Resolves once every telemetry and event frame read so far is in the shadows and on the bus. */
  flush(): Promise<void> {
    return this.ingest.flush();
  }

  /**
   * Writes a command to the hub's stream held here and resolves with its final record
   * (SUCCEEDED, FAILED, REJECTED), or rejects with CommandTimeoutError at the deadline.
   * The record must already be SENT (or QUEUED, for delivery on reconnect).
   */
  deliver(record: CommandRecord, epoch: number | undefined, timeoutMs: number): Promise<CommandRecord> {
    const session = this.sessions.get(record.hubId);
    if (session === undefined || session.closed || (epoch !== undefined && epoch !== session.epoch)) {
      return Promise.reject(new HubNotHeldError(record.hubId));
    }
    return this.write(session, record, timeoutMs);
  }

  /** Sends the device's desired state to its hub if the hub's stream is held here. */
  async syncDesired(hubId: string, deviceId: string, epoch?: number): Promise<boolean> {
    const session = this.sessions.get(hubId);
    if (session === undefined || session.closed || (epoch !== undefined && epoch !== session.epoch)) return false;
    const shadow = await this.deps.shadows.get(deviceId);
    if (shadow === undefined) return false;
    return session.send({
      desired: { deviceId, version: String(shadow.version), values: toWireValues(shadow.desired) },
    });
  }

  /** Closes our stream of the hub if a newer connection (at `epoch`) is held elsewhere. */
  release(hubId: string, epoch: number): boolean {
    const session = this.sessions.get(hubId);
    if (session === undefined || session.epoch >= epoch) return false;
    session.close(new ConnectionReplacedError(hubId));
    return true;
  }

  /** Authenticates the call, claims the hub's route and starts reading its frames. */
  private async open(requests: ServerRequestStream<HubLinkFrame>, ctx: ServerCallContext): Promise<HubSession> {
    const { settings, clock, instanceId, hubs, devices, logger } = this.deps;
    const hub = await this.authenticate(ctx.metadata);
    if (this.draining) throw new InstanceDrainingError();
    const now = clock.now();
    const { route, previous } = await hubs.claimRoute(hub.hubId, instanceId, now, this.routeTtlMs);
    const known = await devices.listByHub(hub.hubId);
    const session = new HubSession(
      this,
      hub.hubId,
      hub.homeId,
      route.epoch,
      newId(),
      known.map((d) => d.deviceId),
      now,
      settings.maxQueuedFrames,
    );
    const older = this.sessions.get(hub.hubId);
    this.sessions.set(hub.hubId, session);
    this.routes.set(route);
    this.connected.set(this.sessions.size);
    older?.close(new ConnectionReplacedError(hub.hubId));
    if (previous !== undefined && previous.instanceId !== instanceId) {
      this.deps.releaseElsewhere?.(previous, route.epoch);
    }
    session.send({
      welcome: { sessionId: session.sessionId, heartbeatIntervalMs: String(settings.heartbeatIntervalMs) },
    });
    void this.deps.events.publish({
      type: 'hub.online',
      tsMs: now,
      homeId: hub.homeId,
      hubId: hub.hubId,
      data: { instanceId, epoch: route.epoch },
    });
    logger.debug({ hubId: hub.hubId, epoch: route.epoch }, 'hub connected');
    // A cancelled or reset call ends the request stream, and with it the session.
    this.read(session, requests);
    return session;
  }

  /** {@link HubSessionOwner}: clean up as soon as a stream starts ending. */
  sessionClosed(session: HubSession): void {
    // A hub that stopped reading may keep the transport blocked for a while, but its route,
    // gauge and commands must not wait for that.
    void this.closed(session);
  }

  /** {@link HubSessionOwner}: a hub that reads too slowly is cut off. */
  sessionOverflowed(session: HubSession): Error {
    this.overflows.inc();
    this.deps.logger.warn(
      { hubId: session.hubId, queued: session.queued },
      'hub stream send queue overflowed; closing it',
    );
    return new StreamOverflowError(session.hubId, session.queued);
  }

  private async authenticate(metadata: Readonly<Record<string, string>>): Promise<HubRecord> {
    const hubId = metadata['x-hub-id'];
    const authorization = metadata['authorization'];
    const secret = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    const hub = hubId && secret ? await this.deps.hubs.get(hubId) : undefined;
    // A hub that proved this secret recently skips scrypt (reconnect storms); anything else,
    // a wrong secret included, pays the full check. An unknown hub costs the same hash as a
    // known one, so timing does not reveal which ids exist.
    const key = hub !== undefined && secret ? this.verified.key(hub.hubId, secret) : undefined;
    let ok = key !== undefined && hub !== undefined && this.verified.has(key, hub.secretHash);
    if (ok) this.authCacheHits.inc();
    else {
      ok =
        (await verifyHubSecret(secret ?? '', hub?.secretHash ?? this.dummyHash, this.deps.settings.hubSecretPepper)) &&
        hub !== undefined;
      if (ok && key !== undefined && hub !== undefined) this.verified.add(key, hub.secretHash);
    }
    if (!ok || hub === undefined) {
      this.authFailures.inc();
      this.deps.logger.warn({ hubId: hubId ?? null }, 'hub connection refused: unauthenticated');
      throw new HubUnauthenticatedError();
    }
    return hub;
  }

  /**
   * Reads the hub's frames by callback: between frames a stream keeps no pending promise (at
   * tens of thousands of streams those outlived young-generation collections and were the
   * largest cost per frame). Telemetry, events and pings are handled without a promise of
   * their own (they are most of the traffic); the rest holds the stream's next frames until
   * it is done, so a stream's frames keep their order. Past the read budget of a turn the
   * hub's connection is held (see {@link ReadThrottle}).
   */
  private read(session: HubSession, requests: ServerRequestStream<HubLinkFrame>): void {
    const clock = this.deps.clock;
    const onError = (error: unknown): void => this.drop(session, 'error', { err: error });
    requests
      .forEach((frame) => {
        // A closed session's call is ending; what the hub still sends is not read.
        if (session.closed) return undefined;
        session.lastSeenMs = clock.now();
        const busy = this.handle(session, frame) ?? (this.ingest.saturated ? this.ingest.flush() : undefined);
        if (this.throttle.frameRead() && requests.pauseConnection?.()) {
          this.readsHeld.inc();
          this.throttle.held(() => requests.resumeConnection?.());
        }
        return busy?.then(undefined, onError);
      })
      // Ends with the requests, or when the transport ends the call (cancelled, reset).
      .then(
        () => session.close(),
        () => session.close(),
      );
  }

  /** Handles a frame; returns a promise only for frames that need the stores before the next one. */
  private handle(session: HubSession, frame: HubLinkFrame): Promise<void> | undefined {
    try {
      if (frame instanceof TelemetryFrame) {
        this.onTelemetry(session, frame);
        return undefined;
      }
      if (isDroppedFrame(frame)) {
        this.drop(session, frame.dropped, { bytes: frame.bytes });
        return undefined;
      }
      switch (frame.frame) {
        case 'telemetry':
          this.onTelemetry(session, TelemetryFrame.of(frame));
          return undefined;
        case 'event':
          this.onEvent(session, frame);
          return undefined;
        case 'ping':
          this.count('ping');
          session.send({ pong: { tsMs: frame.ping?.tsMs ?? '0' } });
          return undefined;
        case undefined:
          this.drop(session, 'empty');
          return undefined;
      }
      // Whatever changes the hub's devices or commands sees the shadows and events of the
      // frames before it: the batch is written first.
      this.count(frame.frame);
      return this.afterIngest(session, frame);
    } catch (error) {
      this.drop(session, 'error', { err: error });
      return undefined;
    }
  }

  private async afterIngest(session: HubSession, frame: HubFrame__Output): Promise<void> {
    if (this.ingest.pending) await this.ingest.flush();
    switch (frame.frame) {
      case 'hello':
        return this.onHello(session, frame);
      case 'devicesChanged':
        return this.onDevicesChanged(session, frame);
      case 'commandResult':
        return this.onCommandResult(session, frame);
    }
  }

  private onTelemetry(session: HubSession, t: TelemetryFrame): void {
    this.ingest.received('telemetry');
    if (!session.devices.has(t.deviceId)) {
      this.drop(session, 'unknown_device', { deviceId: t.deviceId });
      return;
    }
    let empty = true;
    for (const _ in t.values) {
      empty = false;
      break;
    }
    if (empty) {
      this.drop(session, 'empty');
      return;
    }
    this.ingest.telemetry(session.homeId, session.hubId, t.deviceId, t.tsMs || session.lastSeenMs, t.values);
  }

  private onEvent(session: HubSession, frame: HubFrame__Output): void {
    this.ingest.received('event');
    const e = frame.event;
    if (!e || !session.devices.has(e.deviceId)) {
      this.drop(session, 'unknown_device', { deviceId: e?.deviceId });
      return;
    }
    if (!e.type) {
      this.drop(session, 'malformed', { deviceId: e.deviceId });
      return;
    }
    this.ingest.event(
      session.homeId,
      session.hubId,
      e.deviceId,
      toMs(e.tsMs) || session.lastSeenMs,
      e.type,
      fromWireValues(e.values),
    );
  }

  private async onHello(session: HubSession, frame: HubFrame__Output): Promise<void> {
    const infos = frame.hello?.devices ?? [];
    const accepted = await this.accept(session, infos);
    const next = new Set(accepted.map((d) => d.deviceId));
    const left = [...session.devices].filter((id) => !next.has(id));
    const joined = accepted.filter((d) => !session.devices.has(d.deviceId));
    await this.deps.devices.upsert(accepted);
    const removed = await this.deps.devices.remove(session.hubId, left);
    session.devices = next;
    await this.announce(session, joined, removed);
    // Desired state goes down again on every (re)connect, then commands queued while offline.
    for (const id of next) {
      const shadow = await this.deps.shadows.get(id);
      if (shadow && Object.keys(shadow.desired).length > 0) {
        session.send({
          desired: { deviceId: id, version: String(shadow.version), values: toWireValues(shadow.desired) },
        });
      }
    }
    await this.flushQueued(session);
  }

  private async onDevicesChanged(session: HubSession, frame: HubFrame__Output): Promise<void> {
    const change = frame.devicesChanged;
    const accepted = await this.accept(session, change?.joined ?? []);
    const joined = accepted.filter((d) => !session.devices.has(d.deviceId));
    await this.deps.devices.upsert(accepted);
    for (const d of accepted) session.devices.add(d.deviceId);
    const leaving = (change?.left ?? []).filter((id) => session.devices.has(id));
    const removed = await this.deps.devices.remove(session.hubId, leaving);
    for (const id of removed) session.devices.delete(id);
    await this.announce(session, joined, removed);
  }

  /** Valid device infos of this hub; ids owned by another home are refused (no hijacking). */
  private async accept(session: HubSession, infos: readonly DeviceInfo__Output[]): Promise<DeviceRecord[]> {
    const out: DeviceRecord[] = [];
    for (const info of infos) {
      if (!info.deviceId || info.deviceId.length > 128) {
        this.drop(session, 'malformed', { deviceId: info.deviceId });
        continue;
      }
      if (!session.devices.has(info.deviceId)) {
        const existing = await this.deps.devices.get(info.deviceId);
        if (existing && existing.homeId !== session.homeId) {
          this.drop(session, 'device_conflict', { deviceId: info.deviceId });
          continue;
        }
      }
      out.push({
        deviceId: info.deviceId,
        hubId: session.hubId,
        homeId: session.homeId,
        model: info.model,
        capabilities: [...info.capabilities],
      });
    }
    return out;
  }

  private async announce(session: HubSession, joined: readonly DeviceRecord[], left: readonly string[]): Promise<void> {
    const tsMs = this.deps.clock.now();
    const base = { tsMs, homeId: session.homeId, hubId: session.hubId };
    for (const d of joined) {
      await this.deps.events.publish({
        ...base,
        type: 'device.joined',
        deviceId: d.deviceId,
        data: { model: d.model, capabilities: [...d.capabilities] },
      });
    }
    for (const id of left) await this.deps.events.publish({ ...base, type: 'device.left', deviceId: id, data: {} });
  }

  private async onCommandResult(session: HubSession, frame: HubFrame__Output): Promise<void> {
    const r = frame.commandResult;
    const status = r ? RESULT_STATUS[String(r.status)] : undefined;
    if (!r?.commandId || status === undefined) {
      this.drop(session, 'malformed');
      return;
    }
    const pending = session.pending?.get(r.commandId);
    if (pending === undefined) {
      const record = await this.deps.commands.get(r.commandId);
      if (record?.hubId !== session.hubId) {
        this.drop(session, 'unknown_command', { commandId: r.commandId });
        return;
      }
    }
    const transition = this.deps.commands.transition(r.commandId, ['SENT'], {
      status,
      result: fromWireValues(r.result),
      error: r.error,
      updatedAtMs: this.deps.clock.now(),
    });
    // Issued right behind the status change (same connection, same round trip on Redis), so a
    // consumer of the event reads the changed status.
    void this.deps.events.publish({
      type: 'command.result',
      tsMs: this.deps.clock.now(),
      homeId: session.homeId,
      hubId: session.hubId,
      data: { commandId: r.commandId, status },
    });
    const updated = await transition;
    if (updated === undefined) this.drop(session, 'late_result', { commandId: r.commandId });
    if (pending) {
      session.pending?.delete(r.commandId);
      this.deps.clock.clearTimeout(pending.timer);
      pending.settle(updated ?? (await this.deps.commands.get(r.commandId)));
    }
  }

  private write(session: HubSession, record: CommandRecord, timeoutMs: number): Promise<CommandRecord> {
    const { clock, commands } = this.deps;
    return new Promise<CommandRecord>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        session.pending?.delete(record.commandId);
        void commands
          .transition(record.commandId, ['SENT'], { status: 'TIMEOUT', updatedAtMs: clock.now() })
          .catch(() => undefined)
          .finally(() => reject(new CommandTimeoutError(record.commandId, timeoutMs)));
      }, timeoutMs);
      session.pending ??= new Map();
      session.pending.set(record.commandId, {
        timer,
        settle: (done) => (done ? resolve(done) : reject(new HubNotHeldError(record.hubId))),
      });
      const written = session.send({
        command: {
          commandId: record.commandId,
          deviceId: record.deviceId,
          method: record.method,
          params: toWireValues(record.params),
          deadlineMs: String(clock.now() + timeoutMs),
        },
      });
      if (!written) void this.failPending(session, record.commandId);
    });
  }

  private async flushQueued(session: HubSession): Promise<void> {
    const { commands, clock, settings } = this.deps;
    const ids = await commands.takeQueued(session.hubId);
    for (const id of ids) {
      const now = clock.now();
      const record = await commands.get(id);
      if (record?.status !== 'QUEUED') continue;
      if (record.expiresAtMs <= now) {
        await commands.transition(id, ['QUEUED'], { status: 'EXPIRED', updatedAtMs: now });
        continue;
      }
      const sent = await commands.transition(id, ['QUEUED'], { status: 'SENT', updatedAtMs: now });
      if (sent === undefined) continue;
      const timeoutMs = record.timeoutMs > 0 ? record.timeoutMs : settings.commandTimeoutMs;
      this.write(session, sent, timeoutMs).catch(() => undefined);
    }
  }

  private async failPending(session: HubSession, commandId: string): Promise<void> {
    const pending = session.pending?.get(commandId);
    if (pending === undefined) return;
    session.pending?.delete(commandId);
    this.deps.clock.clearTimeout(pending.timer);
    const failed = await this.deps.commands
      .transition(commandId, ['SENT'], {
        status: 'FAILED',
        error: DeviceMessages.hubDisconnected(),
        updatedAtMs: this.deps.clock.now(),
      })
      .catch(() => undefined);
    pending.settle(failed ?? (await this.deps.commands.get(commandId).catch(() => undefined)));
  }

  private async closed(session: HubSession): Promise<void> {
    this.routes.forget(session.hubId, session.epoch);
    if (this.sessions.get(session.hubId) === session) {
      this.sessions.delete(session.hubId);
      this.connected.set(this.sessions.size);
    }
    for (const id of [...(session.pending?.keys() ?? [])]) await this.failPending(session, id);
    try {
      const released = await this.deps.hubs.releaseRoute(session.hubId, session.epoch, session.lastSeenMs);
      if (released) {
        await this.deps.events.publish({
          type: 'hub.offline',
          tsMs: this.deps.clock.now(),
          homeId: session.homeId,
          hubId: session.hubId,
          data: { lastSeenMs: session.lastSeenMs },
        });
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, hubId: session.hubId }, 'hub route could not be released');
    }
  }

  private scheduleSweep(): void {
    if (this.draining) return;
    this.sweepTimer = this.deps.clock.setTimeout(() => {
      void this.sweep().finally(() => this.scheduleSweep());
    }, this.deps.settings.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Closes silent hubs, refreshes routes and last-seen, and closes streams whose route moved. */
  async sweep(): Promise<void> {
    const { clock, settings, hubs, logger } = this.deps;
    const now = clock.now();
    const limit = 3 * settings.heartbeatIntervalMs;
    const live: HubSession[] = [];
    for (const session of this.sessions.values()) {
      if (now - session.lastSeenMs > limit) {
        this.heartbeatTimeouts.inc();
        session.close(new HeartbeatMissedError(session.hubId, now - session.lastSeenMs));
      } else live.push(session);
    }
    for (let i = 0; i < live.length; i += REFRESH_BATCH) {
      const batch = live.slice(i, i + REFRESH_BATCH);
      try {
        const ours = await hubs.refreshRoutes(
          batch.map((s) => ({ hubId: s.hubId, epoch: s.epoch, lastSeenMs: s.lastSeenMs })),
          this.routeTtlMs,
        );
        batch.forEach((s, j) => {
          if (ours[j] === false && !s.closed) s.close(new ConnectionReplacedError(s.hubId));
        });
      } catch (error) {
        logger.warn({ err: error }, 'hub routes could not be refreshed');
      }
    }
  }

  private count(type: string): void {
    this.frameCounter(type).inc();
  }

  private frameCounter(type: string): Counter {
    let counter = this.frames.get(type);
    if (counter === undefined) {
      counter = this.framesCounter.labels(type) as unknown as Counter;
      this.frames.set(type, counter);
    }
    return counter;
  }

  private drop(session: HubSession, reason: string, detail: Record<string, unknown> = {}): void {
    this.dropped.inc({ reason });
    this.deps.logger.warn({ hubId: session.hubId, reason, ...detail }, 'hub frame dropped');
  }
}

/** The frames of one `Connect` call; the first pull opens the session (authentication first). */
class HubStream implements AsyncIterableIterator<CloudFrame> {
  private session: HubSession | undefined;
  private opening: Promise<HubSession> | undefined;

  constructor(private open: (() => Promise<HubSession>) | undefined) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<CloudFrame>> {
    if (this.session !== undefined) return this.session.next();
    if (this.opening === undefined) {
      const open = this.open as () => Promise<HubSession>;
      this.open = undefined;
      this.opening = open();
    }
    return this.opening.then((session) => {
      this.session = session;
      this.opening = undefined;
      return session.next();
    });
  }

  return(): Promise<IteratorResult<CloudFrame>> {
    if (this.session !== undefined) return this.session.return();
    void this.opening?.then(
      (session) => session.close(),
      () => undefined,
    );
    return Promise.resolve({ value: undefined, done: true });
  }
}
