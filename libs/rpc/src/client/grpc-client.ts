import {
  Client,
  credentials,
  status as Status,
  type ClientReadableStream,
  type Metadata,
  type MethodDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import { InvalidOptionsError, LatticeError, systemClock, type Clock } from '@lattice/core';
import type { CallHandle, ServiceBalancer, ServiceInstance } from '@lattice/discovery';
import { BreakerOpenError, CircuitBreakerPolicy, defaultRecordError } from '@lattice/resilience';
import type { Histogram } from '@lattice/telemetry';
import { RpcInstanceNotFoundError, RpcNoPortError, RpcDeadlineExceededError } from '../rpc.errors.js';
import type { GrpcStub, RpcCallOptions } from '../grpc/grpc.interfaces.js';
import { currentInbound } from '../internal/call-scope.js';
import { endSpan, startClientSpan } from '../internal/trace-carrier.js';
import {
  fromMetadata,
  fromWireError,
  statusName,
  toMetadata,
  toWireError,
  type WireError,
} from '../internal/status.js';
import { FastPathChannel } from '../internal/fast-path/fast-path.channel.js';
import { GRPC_CLIENT_DEFAULTS, type GrpcClientOptions } from './grpc-client.interfaces.js';

type Definition = MethodDefinition<unknown, unknown>;

interface Channel {
  readonly instanceId: string;
  readonly address: string;
  readonly client: Client;
  readonly fast: FastPathChannel | undefined;
}

interface Prepared {
  readonly name: string;
  readonly def: Definition;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  readonly metadata: Record<string, string>;
  readonly signal: AbortSignal | undefined;
  readonly span: Span;
  readonly startedAt: number;
}

/**
 * A discovery-aware gRPC client for one service: one channel per instance (kept in step
 * with discovery's watch), each call balanced (P2C by default), a deadline on every call
 * (propagated as the remaining time of the call being handled), retries on UNAVAILABLE for
 * idempotent methods, a breaker per instance + method, client spans with W3C trace
 * context, duration histograms, and the Lattice fast path for unary calls.
 *
 * @example
 * ```ts
 * const client = new GrpcClient({ service: 'echo', contract: echo, discovery, caller: 'gateway' });
 * const stub = client.stub<EchoClient>();
 * const reply = await stub.Say({ message: 'hi' }, { timeoutMs: 1000 });
 * await client.close();
 * // Or typed once: new GrpcClient<EchoClient>(...).stub().Say(...)
 * ```
 */
export class GrpcClient<S = unknown> {
  private readonly options: GrpcClientOptions & {
    [K in keyof typeof GRPC_CLIENT_DEFAULTS]-?: NonNullable<GrpcClientOptions[K]>;
  };
  private readonly clock: Clock;
  private readonly channels = new Map<string, Channel>();
  private readonly balancer: ServiceBalancer | undefined;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly idempotent: ReadonlySet<string>;
  private readonly duration: Histogram<'service' | 'method' | 'status'> | undefined;
  private readonly unwatch: (() => void) | undefined;
  private closed = false;

  constructor(options: GrpcClientOptions) {
    const problems: string[] = [];
    if (!options.discovery && !options.address) problems.push('discovery: set a DiscoveryClient or an address');
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) problems.push('timeoutMs: must be > 0');
    if (options.maxAttempts !== undefined && !(options.maxAttempts >= 1)) problems.push('maxAttempts: must be >= 1');
    if (options.fastPathStreams !== undefined && !(options.fastPathStreams >= 1)) {
      problems.push('fastPathStreams: must be >= 1');
    }
    if (problems.length > 0) {
      throw new InvalidOptionsError(
        `GrpcClient(${options.service})`,
        problems.map((p) => {
          const [path = '', message = ''] = p.split(': ');
          return { path, message };
        }),
      );
    }
    this.options = { ...GRPC_CLIENT_DEFAULTS, ...(stripUndefined(options) as GrpcClientOptions) };
    this.clock = options.clock ?? systemClock;
    this.idempotent = new Set([...options.contract.idempotentMethods, ...(options.idempotentMethods ?? [])]);
    this.breaker =
      options.breaker === false
        ? undefined
        : new CircuitBreakerPolicy(
            {
              recordError: (e) => defaultRecordError(e) && !(e instanceof BreakerOpenError),
              ...(options.breaker ?? {}),
            },
            { name: `rpc:${options.service}`, ...(options.metrics ? { metrics: options.metrics } : {}) },
          );
    this.duration = options.metrics?.histogram({
      name: 'lattice_rpc_client_duration_seconds',
      help: 'Duration of outgoing gRPC calls by service, method and status',
      labelNames: ['service', 'method', 'status'],
    });
    if (options.discovery && !options.address) {
      this.balancer = options.discovery.balancer(options.service, { strategy: this.options.balancer });
      this.unwatch = options.discovery.watch(options.service, (event) => {
        const live = new Set(event.instances.map((i) => i.instanceId));
        for (const [id, channel] of this.channels) {
          if (!live.has(id)) this.dropChannel(channel);
        }
      });
    }
  }

  /**
   * A typed stub for the service, calls balanced over its instances.
   *
   * @example
   * ```ts
   * const echo = client.stub<EchoClient>();
   * for await (const reply of echo.Count({ message: 'x', count: 3 })) console.log(reply.message);
   * ```
   */
  stub<C = S>(): GrpcStub<C> {
    return this.buildStub<C>(undefined);
  }

  /**
   * A typed stub whose calls all go to one instance (instance-affine calls, e.g. the replica
   * that holds a hub's stream); no rerouting on failure.
   *
   * @example
   * ```ts
   * await client.toInstance<EchoClient>('device-2').Say({ message: 'hi' });
   * ```
   */
  toInstance<C = S>(instanceId: string): GrpcStub<C> {
    return this.buildStub<C>(instanceId);
  }

  /** Instances that currently have an open channel. */
  connectedInstances(): string[] {
    return [...this.channels.keys()];
  }

  /** Closes every channel and stops watching discovery. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.unwatch?.();
    for (const channel of [...this.channels.values()]) this.dropChannel(channel);
    this.breaker?.close();
    return Promise.resolve();
  }

  /** Nest hook. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private buildStub<C>(pinned: string | undefined): GrpcStub<C> {
    const stub: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(this.options.contract.definition)) {
      const def = raw as Definition;
      if (!def.requestStream && !def.responseStream) {
        stub[name] = (request: unknown, options?: RpcCallOptions) => this.unary(name, def, request, options, pinned);
      } else if (!def.requestStream) {
        stub[name] = (request: unknown, options?: RpcCallOptions) =>
          this.stream(name, def, options, pinned, (ch, md, opts) =>
            ch.client.makeServerStreamRequest(
              def.path,
              def.requestSerialize,
              def.responseDeserialize,
              request,
              md,
              opts,
            ),
          );
      } else if (!def.responseStream) {
        stub[name] = (requests: AsyncIterable<unknown> | Iterable<unknown>, options?: RpcCallOptions) =>
          this.clientStream(name, def, requests, options, pinned);
      } else {
        stub[name] = (requests: AsyncIterable<unknown> | Iterable<unknown>, options?: RpcCallOptions) =>
          this.stream(name, def, options, pinned, (ch, md, opts) => {
            const call = ch.client.makeBidiStreamRequest(
              def.path,
              def.requestSerialize,
              def.responseDeserialize,
              md,
              opts,
            );
            void pumpInto(requests, call);
            return call;
          });
      }
    }
    return stub as unknown as GrpcStub<C>;
  }

  private prepare(name: string, def: Definition, options: RpcCallOptions = {}): Prepared {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const inbound = currentInbound();
    const now = this.clock.now();
    const deadlineMs = Math.min(now + timeoutMs, inbound?.deadlineMs ?? Infinity);
    const metadata: Record<string, string> = { ...(options.metadata ?? {}) };
    if (this.options.caller) metadata['lattice-caller'] = this.options.caller;
    const span = startClientSpan(def.path, metadata);
    const signals = [options.signal, inbound?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    return {
      name,
      def,
      deadlineMs,
      timeoutMs: Math.max(0, deadlineMs - now),
      metadata,
      signal,
      span,
      startedAt: performance.now(),
    };
  }

  private finish(call: Prepared, error: unknown): void {
    const code = error === undefined ? Status.OK : grpcStatusOf(error);
    endSpan(call.span, code, error instanceof Error ? error.message : 'OK');
    try {
      this.duration?.observe(
        { service: this.options.contract.name, method: call.name, status: statusName(code) },
        (performance.now() - call.startedAt) / 1000,
      );
    } catch {
      // Telemetry never throws into the request path.
    }
  }

  private async unary(
    name: string,
    def: Definition,
    request: unknown,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
  ): Promise<unknown> {
    const call = this.prepare(name, def, options);
    // Pinned calls are never rerouted; others may move to another instance.
    const maxAttempts = pinned === undefined ? this.options.maxAttempts : 1;
    const idempotent = this.idempotent.has(name);
    const tried = new Set<string>();
    let attempt = 0;
    for (;;) {
      attempt += 1;
      let handle: CallHandle | undefined;
      let instanceId: string | undefined;
      try {
        // Once discovery has loaded, picking is synchronous: no extra promise per call.
        const picked = this.loaded && pinned === undefined ? this.pickChannel(tried, options?.hashKey) : undefined;
        const channel = picked ?? (await this.channelFor(pinned, tried, options?.hashKey));
        instanceId = channel.instanceId;
        tried.add(instanceId);
        handle = this.balancer?.begin(this.instanceOf(channel));
        const run = (): Promise<unknown> => this.unaryAttempt(call, channel, request);
        const result = this.breaker
          ? await this.breaker.execute(run, { key: `${channel.instanceId}${def.path}` })
          : await run();
        handle?.end({ ok: true });
        this.finish(call, undefined);
        return result;
      } catch (error) {
        handle?.end({ ok: !defaultRecordError(error) || error instanceof BreakerOpenError });
        const typed = this.typed(call, error, instanceId);
        // A breaker rejection never reached the server, so moving on is safe for any method.
        const retry =
          attempt < maxAttempts &&
          (typed instanceof BreakerOpenError || (idempotent && typed.code === 'RPC_UNAVAILABLE')) &&
          this.clock.now() < call.deadlineMs &&
          !call.signal?.aborted;
        if (!retry) {
          this.finish(call, typed);
          throw typed;
        }
      }
    }
  }

  private unaryAttempt(call: Prepared, channel: Channel, request: unknown): Promise<unknown> {
    const stream = channel.fast?.pick();
    if (stream) {
      return stream
        .request(call.def.path, call.def.requestSerialize(request), call.metadata, call.deadlineMs, call.signal)
        .then(
          (payload) => call.def.responseDeserialize(payload),
          (wire: WireError) => {
            throw fromWireError(call.def.path, wire, { instanceId: channel.instanceId, timeoutMs: call.timeoutMs });
          },
        );
    }
    return new Promise((resolve, reject) => {
      const grpcCall = channel.client.makeUnaryRequest(
        call.def.path,
        call.def.requestSerialize,
        call.def.responseDeserialize,
        request,
        toMetadata(call.metadata),
        { deadline: call.deadlineMs },
        (error: ServiceError | null, response?: unknown) => {
          call.signal?.removeEventListener('abort', onAbort);
          if (error) {
            // CANCELLED that the caller did not ask for means the server dropped the call.
            const wire =
              error.code === Status.CANCELLED && !call.signal?.aborted
                ? { ...wireOf(error), code: Status.UNAVAILABLE }
                : wireOf(error);
            reject(fromWireError(call.def.path, wire, { instanceId: channel.instanceId, timeoutMs: call.timeoutMs }));
          } else resolve(response);
        },
      );
      const onAbort = (): void => grpcCall.cancel();
      call.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async clientStream(
    name: string,
    def: Definition,
    requests: AsyncIterable<unknown> | Iterable<unknown>,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
  ): Promise<unknown> {
    const call = this.prepare(name, def, options);
    let instanceId: string | undefined;
    try {
      const channel = await this.channelFor(pinned, new Set(), options?.hashKey);
      instanceId = channel.instanceId;
      const result = await new Promise((resolve, reject) => {
        const writable = channel.client.makeClientStreamRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          toMetadata(call.metadata),
          { deadline: call.deadlineMs },
          (error: ServiceError | null, response?: unknown) => (error ? reject(error) : resolve(response)),
        );
        call.signal?.addEventListener('abort', () => writable.cancel(), { once: true });
        void pumpInto(requests, writable);
      });
      this.finish(call, undefined);
      return result;
    } catch (error) {
      const typed = this.typed(call, isServiceError(error) ? wireOf(error) : error, instanceId);
      this.finish(call, typed);
      throw typed;
    }
  }

  private async *stream(
    name: string,
    def: Definition,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
    open: (channel: Channel, metadata: Metadata, opts: { deadline: number }) => ClientReadableStream<unknown>,
  ): AsyncGenerator<unknown> {
    const call = this.prepare(name, def, options);
    let instanceId: string | undefined;
    let readable: ClientReadableStream<unknown> | undefined;
    const onAbort = (): void => readable?.cancel();
    try {
      const channel = await this.channelFor(pinned, new Set(), options?.hashKey);
      instanceId = channel.instanceId;
      readable = open(channel, toMetadata(call.metadata), { deadline: call.deadlineMs });
      call.signal?.addEventListener('abort', onAbort, { once: true });
      for await (const item of readable) yield item;
      this.finish(call, undefined);
    } catch (error) {
      const typed = this.typed(call, isServiceError(error) ? wireOf(error) : error, instanceId);
      this.finish(call, typed);
      throw typed;
    } finally {
      call.signal?.removeEventListener('abort', onAbort);
      readable?.cancel();
    }
  }

  private typed(call: Prepared, error: unknown, instanceId: string | undefined): LatticeError {
    if (LatticeError.isLatticeError(error)) return error;
    if (isWire(error)) {
      return fromWireError(call.def.path, error, {
        ...(instanceId === undefined ? {} : { instanceId }),
        timeoutMs: call.timeoutMs,
      });
    }
    if (this.clock.now() >= call.deadlineMs) return new RpcDeadlineExceededError(call.def.path, call.timeoutMs);
    return fromWireError(call.def.path, toWireError(error), { timeoutMs: call.timeoutMs });
  }

  private async channelFor(pinned: string | undefined, tried: ReadonlySet<string>, hashKey?: string): Promise<Channel> {
    if (this.options.address !== undefined) return this.channel(this.options.address, this.options.address);
    const balancer = this.balancer;
    const discovery = this.options.discovery;
    if (balancer === undefined || discovery === undefined) throw new Error('unreachable: no discovery');
    let instance: ServiceInstance;
    if (pinned !== undefined) {
      const found = (await discovery.getInstances(this.options.service)).find((i) => i.instanceId === pinned);
      if (found === undefined) throw new RpcInstanceNotFoundError(this.options.service, pinned);
      instance = found;
    } else {
      const context = hashKey === undefined ? {} : { key: hashKey };
      instance = this.avoidTried(await balancer.choose(context), tried, context);
      this.loaded = true;
    }
    return this.channelOf(instance);
  }

  /** Whether discovery has answered once (later picks are synchronous). */
  private loaded = false;

  private pickChannel(tried: ReadonlySet<string>, hashKey: string | undefined): Channel | undefined {
    const balancer = this.balancer;
    if (balancer === undefined) return undefined;
    const context = hashKey === undefined ? {} : { key: hashKey };
    return this.channelOf(this.avoidTried(balancer.pick(context), tried, context));
  }

  /** A retry goes to an instance not tried yet, chosen by the same strategy. */
  private avoidTried(
    instance: ServiceInstance,
    tried: ReadonlySet<string>,
    context: { key?: string },
  ): ServiceInstance {
    if (!tried.has(instance.instanceId)) return instance;
    const balancer = this.balancer;
    const fresh = balancer?.currentCandidates().filter((i) => !tried.has(i.instanceId)) ?? [];
    return (fresh.length > 0 ? balancer?.strategy.pick(fresh, context) : undefined) ?? instance;
  }

  private channelOf(instance: ServiceInstance): Channel {
    const port = instance.ports[this.options.portName];
    if (port === undefined) throw new RpcNoPortError(this.options.service, instance.instanceId, this.options.portName);
    const channel = this.channel(instance.instanceId, `${instance.host}:${port}`);
    this.instances.set(instance.instanceId, instance);
    return channel;
  }

  private readonly instances = new Map<string, ServiceInstance>();

  private instanceOf(channel: Channel): ServiceInstance {
    const instance = this.instances.get(channel.instanceId);
    if (instance === undefined) throw new Error('unreachable: channel without instance');
    return instance;
  }

  private channel(instanceId: string, address: string): Channel {
    const existing = this.channels.get(instanceId);
    if (existing !== undefined && existing.address === address) return existing;
    if (existing !== undefined) this.dropChannel(existing);
    const client = new Client(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': this.options.maxMessageBytes,
      'grpc.max_send_message_length': this.options.maxMessageBytes,
      'grpc.keepalive_time_ms': this.options.keepaliveTimeMs,
      // Separate channels per client instance: two apps in one process must not share one.
      'grpc.use_local_subchannel_pool': 1,
    });
    const caller = this.options.caller;
    const fast = this.options.fastPath
      ? new FastPathChannel(
          client,
          this.options.fastPathStreams,
          () => toMetadata(caller ? { 'lattice-caller': caller } : {}),
          this.clock,
        )
      : undefined;
    const channel: Channel = { instanceId, address, client, fast };
    this.channels.set(instanceId, channel);
    return channel;
  }

  private dropChannel(channel: Channel): void {
    if (this.channels.get(channel.instanceId) === channel) this.channels.delete(channel.instanceId);
    this.instances.delete(channel.instanceId);
    channel.fast?.close();
    channel.client.close();
  }
}

async function pumpInto(
  requests: AsyncIterable<unknown> | Iterable<unknown>,
  writable: { write(value: unknown): boolean; end(): void; once(event: 'drain', fn: () => void): unknown },
): Promise<void> {
  try {
    for await (const item of requests) {
      if (!writable.write(item)) await new Promise<void>((resolve) => writable.once('drain', resolve));
    }
  } finally {
    writable.end();
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

function isWire(error: unknown): error is WireError {
  return (
    typeof error === 'object' &&
    error !== null &&
    !(error instanceof Error) &&
    typeof (error as Partial<WireError>).code === 'number' &&
    typeof (error as Partial<WireError>).details === 'string'
  );
}

function wireOf(error: ServiceError): WireError {
  return { code: error.code, details: error.details, metadata: fromMetadata(error.metadata) };
}

function grpcStatusOf(error: unknown): number {
  if (LatticeError.isLatticeError(error) && typeof error.data['grpcStatus'] === 'number') {
    return error.data['grpcStatus'];
  }
  return Status.UNKNOWN;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
