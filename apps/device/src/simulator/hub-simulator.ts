import * as grpc from '@grpc/grpc-js';
import type { CloudFrame__Output } from '../generated/lattice/device/v1/CloudFrame.js';
import type { HubFrame } from '../generated/lattice/device/v1/HubFrame.js';
import type { HubLinkClient } from '../generated/lattice/device/v1/HubLink.js';
import { plainHubLinkContract } from '../grpc/device.contracts.js';
import { encodeTelemetryFrame } from '../internal/hub-frame-codec.js';
import { fromWireValues, toMs, toWireValues, type ScalarMap } from '../internal/values.js';

/** Credentials of one simulated hub (as ProvisionHub returned them). */
export interface SimulatedHubCredentials {
  readonly hubId: string;
  readonly secret: string;
  readonly homeId: string;
}

/** Options of {@link HubSimulator}. */
export interface HubSimulatorOptions {
  /** `host:port` of the hub link, or several comma-separated: a hub whose stream fails reconnects to the next one. @default '127.0.0.1:50051' */
  target?: string;
  /** The hubs to simulate. */
  hubs: readonly SimulatedHubCredentials[];
  /** Sub-devices per hub (ids `<hubId>-dev-<n>`). @default 4 */
  devicesPerHub?: number;
  /** Telemetry frames per second per hub (0 = none). @default 1 */
  telemetryRatePerHub?: number;
  /** First reconnect delay; doubles per failed attempt, with jitter. @default 200 */
  reconnectBaseMs?: number;
  /** Longest reconnect delay. @default 10000 */
  reconnectMaxMs?: number;
  /** Extra metadata or channel options per hub (tests). @default none */
  channelOptions?: grpc.ChannelOptions;
  /** Called for every command; return the result (throw to answer FAILED). @default echoes the method */
  onCommand?: (hubId: string, deviceId: string, method: string, params: ScalarMap) => Promise<ScalarMap> | ScalarMap;
}

/** Counters of a simulator run. */
export interface SimulatorStats {
  connected: number;
  connects: number;
  /** Welcomes received: connections that got through authentication. */
  welcomes: number;
  telemetrySent: number;
  commandsAnswered: number;
  desiredReceived: number;
  streamErrors: Record<string, number>;
}

interface HubState {
  readonly creds: SimulatedHubCredentials;
  readonly devices: string[];
  client: HubLinkClient | undefined;
  call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output> | undefined;
  attempt: number;
  timers: NodeJS.Timeout[];
  heartbeat: NodeJS.Timeout | undefined;
  /** When this hub last wrote a frame: a ping is due only after a silent heartbeat interval. */
  lastSentMs: number;
  reconnect: NodeJS.Timeout | undefined;
  online: boolean;
  sessionId: string;
  targetIndex: number;
  heartbeatMs: number;
}

/** Most frames one hub sends at once when it is late (a long stall is not made up in full). */
const MAX_BURST = 20;

const HubLinkConstructor = grpc.makeGenericClientConstructor(
  preEncodedTelemetry(plainHubLinkContract().definition),
  'HubLink',
) as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => HubLinkClient;

/**
 * A fleet of simulated hubs speaking the real hub link with grpc-js: each hub has its own
 * connection, sends hello with its devices, telemetry at a rate, a ping when it has been silent
 * for a heartbeat interval,
 * answers commands, applies desired state (reporting it back), and reconnects with
 * exponential back-off and jitter when its stream ends.
 *
 * @example
 * ```ts
 * const sim = new HubSimulator({ target: '127.0.0.1:50051', hubs: [{ hubId, secret, homeId }], telemetryRatePerHub: 2 });
 * sim.start();
 * await sim.waitConnected(1);
 * await sim.stop();
 * ```
 */
export class HubSimulator {
  readonly stats: SimulatorStats = {
    connected: 0,
    connects: 0,
    welcomes: 0,
    telemetrySent: 0,
    commandsAnswered: 0,
    desiredReceived: 0,
    streamErrors: {},
  };
  private readonly hubs: HubState[];
  private readonly targets: string[];
  private stopped = false;
  private rate: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;

  constructor(private readonly options: HubSimulatorOptions) {
    const perHub = options.devicesPerHub ?? 4;
    this.targets = (options.target ?? '127.0.0.1:50051')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    this.rate = options.telemetryRatePerHub ?? 1;
    this.reconnectBaseMs = options.reconnectBaseMs ?? 200;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 10_000;
    this.hubs = options.hubs.map((creds, i) => ({
      targetIndex: i % this.targets.length,
      heartbeatMs: 30_000,
      creds,
      devices: Array.from({ length: perHub }, (_, i) => `${creds.hubId}-dev-${i}`),
      client: undefined,
      call: undefined,
      attempt: 0,
      timers: [],
      heartbeat: undefined,
      lastSentMs: 0,
      reconnect: undefined,
      online: false,
      sessionId: '',
    }));
  }

  /** Device ids of one hub. */
  devicesOf(hubId: string): readonly string[] {
    return this.hubs.find((h) => h.creds.hubId === hubId)?.devices ?? [];
  }

  /** Session id the cloud gave the hub's current stream ('' when offline). */
  sessionOf(hubId: string): string {
    return this.hubs.find((h) => h.creds.hubId === hubId)?.sessionId ?? '';
  }

  /** Connects every hub (spread over `spreadMs`). */
  start(spreadMs = 0): void {
    this.hubs.forEach((hub, i) => {
      const delay = spreadMs > 0 ? Math.floor((i / this.hubs.length) * spreadMs) : 0;
      if (delay === 0) this.connect(hub);
      else hub.reconnect = setTimeout(() => this.connect(hub), delay);
    });
  }

  /** Resolves once at least `count` hubs got their welcome (rejects after `timeoutMs`). */
  async waitConnected(count: number, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.stats.connected < count) {
      if (Date.now() > until) throw new Error(`only ${this.stats.connected} of ${count} hubs connected`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Changes the telemetry rate of every hub (connected hubs switch at once). */
  setTelemetryRate(ratePerHub: number): void {
    this.rate = ratePerHub;
    for (const hub of this.hubs) if (hub.online && hub.call) this.schedule(hub, hub.call, hub.heartbeatMs);
  }

  /** Drops one hub's connection (as a network failure would); it reconnects with back-off. */
  dropConnection(hubId: string): void {
    const hub = this.hubs.find((h) => h.creds.hubId === hubId);
    if (hub === undefined) return;
    // The next attempt opens a new connection: a closed client cannot start calls.
    const client = hub.client;
    hub.client = undefined;
    client?.close();
    hub.call?.cancel();
  }

  /** Closes every stream and connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const hub of this.hubs) {
      if (hub.reconnect) clearTimeout(hub.reconnect);
      this.clearTimers(hub);
      hub.call?.cancel();
      hub.client?.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }

  private connect(hub: HubState): void {
    if (this.stopped) return;
    hub.reconnect = undefined;
    hub.client ??= new HubLinkConstructor(this.targetOf(hub), grpc.credentials.createInsecure(), {
      // One connection per hub, as real hubs have.
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
      // The channel's own reconnect back-off follows the hub's: grpc-js's default grows to
      // 120 s, and calls fail at once while it waits, so after a connection storm hubs stayed
      // away for minutes whatever reconnectMaxMs said.
      'grpc.initial_reconnect_backoff_ms': this.reconnectBaseMs,
      'grpc.max_reconnect_backoff_ms': this.reconnectMaxMs,
      ...this.options.channelOptions,
    });
    const metadata = new grpc.Metadata();
    metadata.set('x-hub-id', hub.creds.hubId);
    metadata.set('authorization', `Bearer ${hub.creds.secret}`);
    const call = hub.client.Connect(metadata);
    hub.call = call;
    this.stats.connects++;
    call.on('data', (frame: CloudFrame__Output) => this.onFrame(hub, call, frame));
    call.on('error', (error: grpc.ServiceError) => {
      if (this.stopped) return;
      const name = grpc.status[error.code] ?? String(error.code);
      this.stats.streamErrors[name] = (this.stats.streamErrors[name] ?? 0) + 1;
      this.ended(hub, call, error.code === grpc.status.UNAUTHENTICATED);
    });
    call.on('end', () => this.ended(hub, call, false));
    this.write(hub, call, { hello: { firmware: 'sim-1.0.0', devices: hub.devices.map((id) => deviceInfo(id)) } });
  }

  /** Writes a frame (or bytes already encoded as one) on the hub's stream. */
  private write(hub: HubState, call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output>, frame: HubFrame): void {
    hub.lastSentMs = Date.now();
    call.write(frame);
  }

  private onFrame(
    hub: HubState,
    call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output>,
    frame: CloudFrame__Output,
  ): void {
    switch (frame.frame) {
      case 'welcome': {
        hub.attempt = 0;
        hub.sessionId = frame.welcome?.sessionId ?? '';
        this.stats.welcomes++;
        if (!hub.online) this.stats.connected++;
        hub.online = true;
        hub.heartbeatMs = toMs(frame.welcome?.heartbeatIntervalMs) || 30_000;
        this.schedule(hub, call, hub.heartbeatMs);
        return;
      }
      case 'command': {
        const c = frame.command;
        if (!c) return;
        void this.answer(hub, call, c.commandId, c.deviceId, c.method, fromWireValues(c.params));
        return;
      }
      case 'desired': {
        const d = frame.desired;
        if (!d) return;
        this.stats.desiredReceived++;
        // A real device applies its desired state and reports it back.
        this.write(hub, call, { telemetry: { deviceId: d.deviceId, tsMs: String(Date.now()), values: d.values } });
        return;
      }
      default:
        return;
    }
  }

  private async answer(
    hub: HubState,
    call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output>,
    commandId: string,
    deviceId: string,
    method: string,
    params: ScalarMap,
  ): Promise<void> {
    let frame: HubFrame;
    try {
      const result = this.options.onCommand
        ? await this.options.onCommand(hub.creds.hubId, deviceId, method, params)
        : { ok: true, method };
      frame = { commandResult: { commandId, status: 'SUCCEEDED', result: toWireValues(result), error: '' } };
    } catch (error) {
      frame = { commandResult: { commandId, status: 'FAILED', result: {}, error: (error as Error).message } };
    }
    if (hub.call !== call) return;
    this.write(hub, call, frame);
    this.stats.commandsAnswered++;
  }

  private schedule(
    hub: HubState,
    call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output>,
    heartbeatMs: number,
  ): void {
    this.clearTimers(hub);
    // As the contract asks: a frame at least every heartbeat interval, a ping only when idle.
    const interval = Math.max(50, heartbeatMs);
    const beat = (): void => {
      const silentMs = Date.now() - hub.lastSentMs;
      if (silentMs >= interval) {
        this.write(hub, call, { ping: { tsMs: String(Date.now()) } });
        hub.heartbeat = setTimeout(beat, interval);
      } else hub.heartbeat = setTimeout(beat, interval - silentMs);
    };
    hub.heartbeat = setTimeout(beat, interval);
    const rate = this.rate;
    if (rate > 0 && hub.devices.length > 0) {
      let next = 0;
      let sent = 0;
      const period = 1000 / rate;
      // Frames are owed by elapsed time, not by timer ticks: a simulator starved of CPU sends
      // the frames it is late with in one burst instead of quietly lowering the offered rate.
      let startedAt = 0;
      const send = (): void => {
        const owed = Math.min(MAX_BURST, Math.floor((Date.now() - startedAt) / period) + 1 - sent);
        for (let i = 0; i < owed; i++) {
          const deviceId = hub.devices[next++ % hub.devices.length] as string;
          // Encoded here as a hub's firmware would (see preEncodedTelemetry); a protobuf.js
          // message object per frame made the simulator, not the server, the limit of the bench.
          const values = { temperature: 20 + Math.round(Math.random() * 50) / 10, battery: 97 };
          this.write(hub, call, encodeTelemetryFrame(deviceId, Date.now(), values) as HubFrame);
        }
        sent += Math.max(0, owed);
        this.stats.telemetrySent += Math.max(0, owed);
      };
      // Start at a random phase so hubs do not send in lock-step.
      const first = setTimeout(() => {
        startedAt = Date.now();
        send();
        hub.timers.push(setInterval(send, period));
      }, Math.random() * period);
      hub.timers.push(first);
    }
  }

  private ended(hub: HubState, call: grpc.ClientDuplexStream<HubFrame, CloudFrame__Output>, fatal: boolean): void {
    if (hub.call !== call) return;
    hub.call = undefined;
    hub.sessionId = '';
    this.clearTimers(hub);
    if (hub.online) this.stats.connected--;
    hub.online = false;
    if (this.stopped || fatal) return;
    if (this.targets.length > 1) {
      // Try the next instance: the one we were on may be gone.
      hub.targetIndex = (hub.targetIndex + 1) % this.targets.length;
      hub.client?.close();
      hub.client = undefined;
    }
    const ceiling = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** hub.attempt++);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter"
    hub.reconnect = setTimeout(() => this.connect(hub), delay);
  }

  /** The hub link address a hub connects (or reconnects) to. */
  targetOfHub(hubId: string): string {
    const state = this.hubs.find((h) => h.creds.hubId === hubId);
    return state ? this.targetOf(state) : '';
  }

  private targetOf(hub: HubState): string {
    return this.targets[hub.targetIndex] ?? '127.0.0.1:50051';
  }

  private clearTimers(hub: HubState): void {
    for (const t of hub.timers) clearTimeout(t);
    hub.timers = [];
    if (hub.heartbeat) clearTimeout(hub.heartbeat);
    hub.heartbeat = undefined;
  }
}

/** The HubLink client definition with `Connect` also taking frames already encoded as bytes. */
function preEncodedTelemetry(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const connect = definition['Connect'] as grpc.MethodDefinition<HubFrame, CloudFrame__Output>;
  const serialize = connect.requestSerialize;
  return {
    ...definition,
    Connect: { ...connect, requestSerialize: (frame: HubFrame) => (Buffer.isBuffer(frame) ? frame : serialize(frame)) },
  };
}

function deviceInfo(deviceId: string): { deviceId: string; model: string; capabilities: string[] } {
  return { deviceId, model: 'sim-sensor', capabilities: ['temperature', 'battery', 'onoff'] };
}
