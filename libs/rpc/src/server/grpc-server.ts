import {
  Server,
  ServerCredentials,
  status as Status,
  type MethodDefinition,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  type Metadata,
} from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { ReflectionService } from '@grpc/reflection';
import { context, type Context } from '@opentelemetry/api';
import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import type { Histogram } from '@lattice/telemetry';
import { RpcContractError } from '../rpc.errors.js';
import { RpcMessages } from '../rpc.messages.js';
import type { GrpcImplementation, GrpcServiceContract, ServerCallContext } from '../grpc/grpc.interfaces.js';
import { runInCall } from '../internal/call-scope.js';
import { LazyAbort } from '../internal/lazy-abort.js';
import { endSpan, startServerSpan } from '../internal/trace-carrier.js';
import { fromMetadata, statusName, toMetadata, toWireError, type WireError } from '../internal/status.js';
import {
  FAST_PATH_METHOD,
  FrameWriter,
  Kind,
  NO_DEADLINE,
  passThrough,
  unpack,
} from '../internal/fast-path/envelope.js';
import { GRPC_SERVER_DEFAULTS, type GrpcServerOptions } from './grpc-server.interfaces.js';
import { HealthState, healthContract, type ServingStatus } from './health.service.js';
import { RequestStream, type ConnectionReads } from './request-stream.js';

type AnyHandler = (input: unknown, context: ServerCallContext) => unknown;

interface MethodEntry {
  readonly path: string;
  readonly service: string;
  readonly name: string;
  readonly kind: 'unary' | 'server' | 'client' | 'bidi';
  readonly handler: AnyHandler;
  readonly definition: MethodDefinition<unknown, unknown>;
}

interface FastPathSession {
  readonly inflight: Map<number, LazyAbort>;
  draining: boolean;
  end(): void;
}

/**
 * A gRPC server for a Lattice service: your services plus grpc.health.v1 (tied to boot's
 * readiness through `onRegister`/`onDeregister`), server reflection, the Lattice fast path,
 * server spans (W3C trace context from metadata), duration histograms and draining.
 * Errors thrown by handlers become gRPC statuses with the LatticeError code in the
 * `lattice-error-code` metadata; other errors become INTERNAL without their message.
 *
 * @example
 * ```ts
 * const server = new GrpcServer({ port: 50052, metrics });
 * server.addService(loadGrpcService({ protoPath, package: 'lattice.test.v1', service: 'Echo' }), echoImpl);
 * await server.start();
 * server.setServing(true); // boot calls onRegister() for you
 * ```
 */
export class GrpcServer {
  private readonly options: Required<Omit<GrpcServerOptions, 'metrics' | 'clock' | 'listenBacklog'>>;
  private readonly listenBacklog: number | undefined;
  private listener: NetServer | undefined;
  /** Connections accepted by our own listener, by peer (`address:port`, as grpc-js names it). */
  private readonly connections = new Map<string, Socket>();
  private readonly clock: Clock;
  private readonly server: Server;
  private readonly health = new HealthState();
  private readonly methods = new Map<string, MethodEntry>();
  private readonly contracts: GrpcServiceContract[] = [];
  private readonly sessions = new Set<FastPathSession>();
  private readonly duration: Histogram<'service' | 'method' | 'status'> | undefined;
  private boundPort: number | undefined;
  private started = false;
  private stopped = false;
  private forceTimer: ClockTimer | undefined;

  constructor(options: GrpcServerOptions = {}) {
    this.options = { ...GRPC_SERVER_DEFAULTS, ...stripUndefined(options) };
    this.clock = options.clock ?? systemClock;
    this.listenBacklog = options.listenBacklog;
    this.duration = options.metrics?.histogram({
      name: 'lattice_rpc_server_duration_seconds',
      help: 'Duration of handled gRPC calls by service, method and status',
      labelNames: ['service', 'method', 'status'],
    });
    this.server = new Server({
      'grpc.max_receive_message_length': this.options.maxMessageBytes,
      'grpc.max_send_message_length': this.options.maxMessageBytes,
      'grpc.keepalive_time_ms': this.options.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.options.keepaliveTimeoutMs,
      'grpc.http2.min_ping_interval_without_data_ms': this.options.minClientPingIntervalMs,
      'grpc.keepalive_permit_without_calls': 1,
    });
    this.health.set('', 'NOT_SERVING');
  }

  /** The bound port (after `start()`). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(RpcMessages.serverNotStarted());
    return this.boundPort;
  }

  /**
   * Adds a service and its implementation (before `start()`).
   *
   * @example
   * ```ts
   * server.addService<EchoHandlers>(echoContract, { Say: (req) => ({ message: req.message }), ... });
   * ```
   */
  addService<H>(contract: GrpcServiceContract, implementation: GrpcImplementation<H>): void {
    const impl = implementation as unknown as Record<string, AnyHandler | undefined>;
    const grpcImpl: UntypedServiceImplementation = {};
    for (const [name, def] of Object.entries(contract.definition)) {
      const handler = impl[name] ?? impl[name.charAt(0).toLowerCase() + name.slice(1)];
      if (typeof handler !== 'function') {
        throw new RpcContractError(contract.name, RpcMessages.missingHandler(contract.name, name));
      }
      const definition = def as MethodDefinition<unknown, unknown>;
      const kind = definition.requestStream
        ? definition.responseStream
          ? 'bidi'
          : 'client'
        : definition.responseStream
          ? 'server'
          : 'unary';
      const entry: MethodEntry = {
        path: definition.path,
        service: contract.name,
        name,
        kind,
        handler: handler.bind(implementation),
        definition,
      };
      this.methods.set(definition.path, entry);
      grpcImpl[name] = this.grpcHandler(entry);
    }
    this.server.addService(contract.definition, grpcImpl);
    this.contracts.push(contract);
    this.health.set(contract.name, this.health.get('') ?? 'NOT_SERVING');
  }

  /** Binds and starts serving; resolves with the bound port. */
  async start(): Promise<number> {
    if (this.started) return this.port;
    this.started = true;
    const health = healthContract();
    this.server.addService(health.definition, this.health.implementation() as UntypedServiceImplementation);
    if (this.options.fastPath) {
      this.server.addService(
        {
          Open: {
            path: FAST_PATH_METHOD,
            requestStream: true,
            responseStream: true,
            requestSerialize: passThrough.serialize,
            requestDeserialize: passThrough.deserialize,
            responseSerialize: passThrough.serialize,
            responseDeserialize: passThrough.deserialize,
          },
        },
        { Open: (call: ServerDuplexStream<Buffer, Buffer>) => this.openFastPath(call) },
      );
    }
    if (this.options.reflection) {
      const merged: PackageDefinition = { ...health.packageDefinition } as PackageDefinition;
      for (const c of this.contracts) Object.assign(merged, c.packageDefinition);
      new ReflectionService(merged).addToServer(this.server);
    }
    this.boundPort =
      this.listenBacklog === undefined
        ? await new Promise<number>((resolve, reject) => {
            this.server.bindAsync(
              `${this.options.host}:${this.options.port}`,
              ServerCredentials.createInsecure(),
              (error, port) => (error ? reject(error) : resolve(port)),
            );
          })
        : await this.listen(this.listenBacklog);
    return this.boundPort;
  }

  /** Listens on a socket of our own (grpc-js takes no backlog) and hands connections to grpc-js. */
  private async listen(backlog: number): Promise<number> {
    const injector = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    const listener = createNetServer((socket) => {
      const peer = peerOf(socket);
      this.connections.set(peer, socket);
      socket.once('close', () => {
        if (this.connections.get(peer) === socket) this.connections.delete(peer);
      });
      injector.injectConnection(socket);
    });
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: this.options.host, port: this.options.port, backlog }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    return (listener.address() as AddressInfo).port;
  }

  /**
   * Sets the health status of the server and every service.
   *
   * @example
   * ```ts
   * server.setServing(false); // health Check answers NOT_SERVING
   * ```
   */
  setServing(serving: boolean): void {
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.set('', status);
    for (const c of this.contracts) this.health.set(c.name, status);
  }

  /** Boot hook: the instance is registered, so it is ready. */
  onRegister(): void {
    this.setServing(true);
  }

  /** Boot hook: shutdown began, stop advertising readiness. */
  onDeregister(): void {
    this.setServing(false);
  }

  /** Boot hook: stop accepting calls, let in-flight ones finish, force-close at the deadline. */
  async onDrain(deadlineEpochMs: number): Promise<void> {
    await this.drain(deadlineEpochMs);
  }

  /** Nest hook: closes the server at once if it is still open. */
  async onApplicationShutdown(): Promise<void> {
    await this.drain(this.clock.now());
  }

  /**
   * Stops gracefully: health goes NOT_SERVING, fast-path sessions end once their calls are
   * answered, and whatever is still running at `deadlineEpochMs` is cut off.
   *
   * @example
   * ```ts
   * await server.drain(Date.now() + 10_000);
   * ```
   */
  async drain(deadlineEpochMs: number): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    this.setServing(false);
    this.listener?.close();
    this.health.endWatches();
    for (const s of this.sessions) {
      s.draining = true;
      if (s.inflight.size === 0) s.end();
    }
    await new Promise<void>((resolve) => {
      const remaining = deadlineEpochMs - this.clock.now();
      if (remaining <= 0) {
        this.server.forceShutdown();
        resolve();
        return;
      }
      this.forceTimer = this.clock.setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, remaining);
      this.server.tryShutdown(() => {
        if (this.forceTimer) this.clock.clearTimeout(this.forceTimer);
        resolve();
      });
    });
  }

  private grpcHandler(entry: MethodEntry): UntypedHandleCall {
    switch (entry.kind) {
      case 'unary':
        return ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          this.answerOnce(entry, call, call.request, callback)) as UntypedHandleCall;
      case 'server':
        return ((call: ServerWritableStream<unknown, unknown>) => {
          this.dispatchStream(entry, call, call.metadata, call.getDeadline(), call.request, call);
        }) as UntypedHandleCall;
      case 'client':
        return ((call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          this.answerOnce(entry, call, this.requestsOf(call), callback)) as UntypedHandleCall;
      case 'bidi':
        return ((call: ServerDuplexStream<unknown, unknown>) => {
          this.dispatchStream(entry, call, call.metadata, call.getDeadline(), this.requestsOf(call), call);
        }) as UntypedHandleCall;
    }
  }

  private requestsOf(call: ServerReadableStream<unknown, unknown>): RequestStream<unknown> {
    const socket = this.connections.size > 0 ? this.connections.get(call.getPeer()) : undefined;
    return new RequestStream(call, socket && new SocketReads(socket));
  }

  /** Runs a unary (or client-streaming) handler with span, metrics, deadline and error mapping. */
  /** Unary and client-streaming calls: one answer (or one error) through the callback. */
  private answerOnce(
    entry: MethodEntry,
    call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>,
    request: unknown,
    callback: sendUnaryData<unknown>,
  ): void {
    const controller = new LazyAbort();
    call.once('cancelled', () => controller.abort());
    this.dispatchUnary(entry, request, fromMetadata(call.metadata), deadlineOf(call.getDeadline()), controller).then(
      (response) => callback(null, response),
      (wire: WireError) => callback({ code: wire.code, details: wire.details, metadata: toMetadata(wire.metadata) }),
    );
  }

  private dispatchUnary(
    entry: MethodEntry,
    input: unknown,
    metadata: Record<string, string>,
    deadlineMs: number,
    controller: LazyAbort,
  ): Promise<unknown> {
    // No timer of our own: grpc-js enforces a plain call's deadline (answers DEADLINE_EXCEEDED
    // and emits 'cancelled'), and a fast-path client sends a cancel envelope at its deadline.
    const startedAt = performance.now();
    const { span, ctx } = startServerSpan(entry.path, metadata);
    const callContext = this.callContext(entry, metadata, deadlineMs, controller);
    return this.invoke(ctx, callContext, () => entry.handler(input, callContext)).then(
      (response) => {
        endSpan(span, Status.OK, 'OK');
        this.observe(entry, Status.OK, startedAt);
        return response;
      },
      (error: unknown) => {
        const wire =
          controller.aborted && Number.isFinite(deadlineMs) && this.clock.now() >= deadlineMs
            ? { code: Status.DEADLINE_EXCEEDED, details: 'deadline exceeded', metadata: {} }
            : toWireError(error);
        endSpan(span, wire.code, wire.details);
        this.observe(entry, wire.code, startedAt);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a wire status for the transports, not an app error
        throw wire;
      },
    );
  }

  private dispatchStream(
    entry: MethodEntry,
    call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
    rawMetadata: Metadata,
    deadline: Date | number,
    input: unknown,
    output: { write(value: unknown): boolean; end(): void; emit(event: 'error', error: unknown): boolean },
  ): void {
    const metadata = fromMetadata(rawMetadata);
    const deadlineMs = deadlineOf(deadline);
    const controller = new LazyAbort();
    call.once('cancelled', () => controller.abort());
    const startedAt = performance.now();
    const { span, ctx } = startServerSpan(entry.path, metadata);
    const callContext = this.callContext(entry, metadata, deadlineMs, controller);
    const pump = async (): Promise<void> => {
      const iterable = (await this.invoke(ctx, callContext, () =>
        entry.handler(input, callContext),
      )) as AsyncIterable<unknown>;
      for await (const item of iterable) {
        if (controller.aborted) break;
        if (!output.write(item)) await new Promise((resolve) => call.once('drain', resolve));
      }
    };
    pump().then(
      () => {
        output.end();
        endSpan(span, Status.OK, 'OK');
        this.observe(entry, Status.OK, startedAt);
      },
      (error: unknown) => {
        const wire = toWireError(error);
        output.emit('error', { code: wire.code, details: wire.details, metadata: toMetadata(wire.metadata) });
        endSpan(span, wire.code, wire.details);
        this.observe(entry, wire.code, startedAt);
      },
    );
  }

  private invoke(ctx: Context, callContext: ServerCallContext, fn: () => unknown): Promise<unknown> {
    return context.with(ctx, () => runInCall(callContext, () => new Promise<unknown>((resolve) => resolve(fn()))));
  }

  private callContext(
    entry: MethodEntry,
    metadata: Record<string, string>,
    deadlineMs: number,
    abort: LazyAbort,
  ): ServerCallContext {
    const clock = this.clock;
    return {
      method: entry.path,
      metadata,
      deadlineMs,
      get signal() {
        return abort.signal;
      },
      caller: metadata['lattice-caller'],
      remainingMs: () => (Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - clock.now()) : Infinity),
    };
  }

  private observe(entry: MethodEntry, code: number, startedAt: number): void {
    try {
      this.duration?.observe(
        { service: entry.service, method: entry.name, status: statusName(code) },
        (performance.now() - startedAt) / 1000,
      );
    } catch {
      // Telemetry never throws into the request path.
    }
  }

  /** One fast-path stream: envelopes in, answers out in completion order (no head-of-line blocking). */
  private openFastPath(call: ServerDuplexStream<Buffer, Buffer>): void {
    const writer = new FrameWriter((frame) => call.write(frame));
    let ended = false;
    const session: FastPathSession = {
      inflight: new Map(),
      draining: this.stopped,
      end: () => {
        if (ended) return;
        ended = true;
        this.sessions.delete(session);
        setImmediate(() => call.end());
      },
    };
    this.sessions.add(session);
    const abortAll = (): void => {
      for (const c of session.inflight.values()) c.abort();
      session.inflight.clear();
      this.sessions.delete(session);
    };
    call.on('cancelled', abortAll);
    call.on('error', abortAll);
    call.on('end', () => {
      abortAll();
      session.end();
    });
    call.on('data', (frame: Buffer) => {
      let envelopes;
      try {
        envelopes = unpack(frame);
      } catch {
        call.emit('error', { code: Status.INTERNAL, details: 'malformed fast-path frame' });
        return;
      }
      for (const envelope of envelopes) {
        if (envelope.kind === Kind.Hello) {
          writer.send({ kind: Kind.Hello, callId: envelope.callId });
        } else if (envelope.kind === Kind.Cancel) {
          session.inflight.get(envelope.callId)?.abort();
          session.inflight.delete(envelope.callId);
        } else if (envelope.kind === Kind.Request) {
          const { callId } = envelope;
          const entry = this.methods.get(envelope.method);
          const reject = (code: number, details: string): void =>
            writer.send({ kind: Kind.Error, callId, code, details, metadata: {} });
          if (entry === undefined || entry.kind !== 'unary') {
            reject(Status.UNIMPLEMENTED, `method ${envelope.method} is not served here`);
            continue;
          }
          if (session.draining) {
            reject(Status.UNAVAILABLE, 'server is draining');
            continue;
          }
          let request: unknown;
          try {
            request = entry.definition.requestDeserialize(envelope.payload);
          } catch {
            reject(Status.INTERNAL, 'request could not be decoded');
            continue;
          }
          const controller = new LazyAbort();
          session.inflight.set(callId, controller);
          const deadlineMs = envelope.remainingMs === NO_DEADLINE ? Infinity : this.clock.now() + envelope.remainingMs;
          const settle = (): boolean => {
            const live = session.inflight.delete(callId);
            if (session.draining && session.inflight.size === 0) queueMicrotask(() => session.end());
            return live && !ended;
          };
          this.dispatchUnary(entry, request, envelope.metadata, deadlineMs, controller).then(
            (response) => {
              if (settle()) {
                writer.send({ kind: Kind.Response, callId, payload: entry.definition.responseSerialize(response) });
              }
            },
            (wire: WireError) => {
              if (settle())
                writer.send({
                  kind: Kind.Error,
                  callId,
                  code: wire.code,
                  details: wire.details,
                  metadata: wire.metadata,
                });
            },
          );
        }
      }
    });
  }
}

function peerOf(socket: Socket): string {
  return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : String(socket.remoteAddress);
}

/**
 * Reads of a connection whose socket HTTP/2 consumes: its TCP handle is the one place that can
 * stop them (the session offers no pause, and the socket's own pause does not reach the handle).
 * A class, not closures: one is made per call, and a device instance holds ~20k calls.
 */
class SocketReads implements ConnectionReads {
  constructor(private readonly socket: Socket) {}

  stop(): void {
    this.handle()?.readStop();
  }

  start(): void {
    this.handle()?.readStart();
  }

  private handle(): { readStop(): number; readStart(): number } | undefined {
    if (this.socket.destroyed) return undefined;
    return (
      (this.socket as unknown as { _handle?: { readStop(): number; readStart(): number } | null })._handle ?? undefined
    );
  }
}

function deadlineOf(deadline: Date | number): number {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : Infinity;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
