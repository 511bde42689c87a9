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
import type { CallHandle, CallOutcome, ServiceBalancer, ServiceInstance } from '@lattice/discovery';
import { BreakerOpenError, CircuitBreakerPolicy, defaultRecordError, type CallContext } from '@lattice/resilience';
import type { Histogram } from '@lattice/telemetry';
import { RpcInstanceNotFoundError, RpcNoPortError, RpcDeadlineExceededError } from '../rpc.errors.js';
import type { GrpcStub, RpcCallOptions } from '../grpc/grpc.interfaces.js';
import { currentInbound } from '../internal/call-scope.js';
import {
  endSpan,
  grpcSpanTemplate,
  propagates,
  startClientSpan,
  type SpanTemplate,
} from '../internal/trace-carrier.js';
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
  /** Breaker call contexts (key `instanceId + path`) by method path, built once each. */
  readonly breakerContexts: Map<string, CallContext>;
  /** The discovery entry the address was last checked against (same object: same address). */
  checked: ServiceInstance | undefined;
}

/** What is worked out once per method of the contract instead of on every call. */
interface MethodPlan {
  readonly name: string;
  readonly def: Definition;
  readonly idempotent: boolean;
  readonly span: SpanTemplate;
  /** Duration observers labelled with this method and a status name, resolved once each. */
  readonly observers: Map<string, (seconds: number) => void>;
}

interface Prepared {
  readonly plan: MethodPlan;
  readonly def: Definition;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  /** The client's shared base metadata, or a copy with the call's own entries and trace context. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  readonly span: Span;
  readonly startedAt: number;
  /** Attempts made so far (unary calls). */
  attempt: number;
  /** Instances already tried, made on the first retry (most calls have one attempt). */
  tried: Set<string> | undefined;
}

const OK: CallOutcome = { ok: true };
const FAILED: CallOutcome = { ok: false };
/** Pick context of calls without a hash key (strategies only read it). */
const NO_KEY: { key?: string } = Object.freeze({});

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
  private readonly plans = new Map<string, MethodPlan>();
  /** `lattice-caller` (or nothing): the metadata of every call that adds none of its own. */
  private readonly baseMetadata: Readonly<Record<string, string>>;
  /** The same as grpc-js metadata, cloned per call (grpc-js adds headers to what it is given). */
  private readonly baseGrpcMetadata: Metadata;
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
    const base: Record<string, string> = options.caller ? { 'lattice-caller': options.caller } : {};
    this.baseMetadata = Object.freeze(base);
    this.baseGrpcMetadata = toMetadata(this.baseMetadata);
    for (const [name, raw] of Object.entries(options.contract.definition)) {
      const def = raw as Definition;
      this.plans.set(name, {
        name,
        def,
        idempotent: this.idempotent.has(name),
        span: grpcSpanTemplate(def.path),
        observers: new Map(),
      });
    }
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
    for (const [name, plan] of this.plans) {
      const def = plan.def;
      if (!def.requestStream && !def.responseStream) {
        stub[name] = (request: unknown, options?: RpcCallOptions) => this.unary(plan, request, options, pinned);
      } else if (!def.requestStream) {
        stub[name] = (request: unknown, options?: RpcCallOptions) =>
          this.stream(plan, options, pinned, (ch, md, opts) =>
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
          this.clientStream(plan, requests, options, pinned);
      } else {
        stub[name] = (requests: AsyncIterable<unknown> | Iterable<unknown>, options?: RpcCallOptions) =>
          this.stream(plan, options, pinned, (ch, md, opts) => {
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

  private prepare(plan: MethodPlan, options: RpcCallOptions | undefined): Prepared {
    const timeoutMs = options?.timeoutMs ?? this.options.timeoutMs;
    const inbound = currentInbound();
    const now = this.clock.now();
    const deadlineMs = Math.min(now + timeoutMs, inbound?.deadlineMs ?? Infinity);
    // Calls without metadata of their own and without a trace propagator share one frozen object.
    let metadata = this.baseMetadata;
    let carrier: Record<string, string> | undefined;
    if (options?.metadata !== undefined || propagates()) {
      carrier = { ...options?.metadata, ...this.baseMetadata };
      metadata = carrier;
    }
    const span = startClientSpan(plan.span, carrier);
    const own = options?.signal;
    const inherited = inbound?.signal;
    const signal = own === undefined ? inherited : inherited === undefined ? own : AbortSignal.any([own, inherited]);
    return {
      plan,
      def: plan.def,
      deadlineMs,
      timeoutMs: Math.max(0, deadlineMs - now),
      metadata,
      signal,
      span,
      startedAt: performance.now(),
      attempt: 0,
      tried: undefined,
    };
  }

  /** The call's metadata for grpc-js (a fresh object: grpc-js writes into it). */
  private grpcMetadata(call: Prepared): Metadata {
    return call.metadata === this.baseMetadata ? this.baseGrpcMetadata.clone() : toMetadata(call.metadata);
  }

  private finish(call: Prepared, error: unknown): void {
    const code = error === undefined ? Status.OK : grpcStatusOf(error);
    endSpan(call.span, code, error instanceof Error ? error.message : 'OK');
    if (this.duration === undefined) return;
    try {
      this.observer(call.plan, statusName(code))((performance.now() - call.startedAt) / 1000);
    } catch {
      // Telemetry never throws into the request path.
    }
  }

  /** The duration histogram's child for a method and status, labelled once. */
  private observer(plan: MethodPlan, status: string): (seconds: number) => void {
    let observe = plan.observers.get(status);
    if (observe === undefined) {
      const child = this.duration?.labels({ service: this.options.contract.name, method: plan.name, status });
      observe = child === undefined ? () => undefined : (seconds) => child.observe(seconds);
      plan.observers.set(status, observe);
    }
    return observe;
  }

  /**
   * A unary call. Promise chains rather than an async function: once discovery has loaded,
   * picking is synchronous and a call that succeeds at once needs no frame of its own.
   */
  private unary(
    plan: MethodPlan,
    request: unknown,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
  ): Promise<unknown> {
    return this.unaryNext(this.prepare(plan, options), request, pinned, options?.hashKey);
  }

  /** The next attempt of a unary call: the first, or another after a failure that allows one. */
  private unaryNext(
    call: Prepared,
    request: unknown,
    pinned: string | undefined,
    hashKey: string | undefined,
  ): Promise<unknown> {
    call.attempt += 1;
    let picked: Channel | undefined;
    try {
      picked = this.loaded && pinned === undefined ? this.pickChannel(call.tried, hashKey) : undefined;
    } catch (error) {
      return this.unaryFailed(call, error, undefined, undefined, request, pinned, hashKey);
    }
    if (picked !== undefined) return this.unaryOn(call, picked, request, pinned, hashKey);
    return this.channelFor(pinned, call.tried, hashKey).then(
      (channel) => this.unaryOn(call, channel, request, pinned, hashKey),
      (error: unknown) => this.unaryFailed(call, error, undefined, undefined, request, pinned, hashKey),
    );
  }

  private unaryOn(
    call: Prepared,
    channel: Channel,
    request: unknown,
    pinned: string | undefined,
    hashKey: string | undefined,
  ): Promise<unknown> {
    let handle: CallHandle | undefined;
    let pending: Promise<unknown>;
    try {
      handle = this.balancer?.begin(this.instanceOf(channel));
      pending =
        this.breaker === undefined
          ? this.unaryAttempt(call, channel, request)
          : this.breaker.execute(
              () => this.unaryAttempt(call, channel, request),
              this.breakerContext(channel, call.def.path),
            );
    } catch (error) {
      return this.unaryFailed(call, error, handle, channel.instanceId, request, pinned, hashKey);
    }
    return pending.then(
      (result) => {
        handle?.end(OK);
        this.finish(call, undefined);
        return result;
      },
      (error: unknown) => this.unaryFailed(call, error, handle, channel.instanceId, request, pinned, hashKey),
    );
  }

  /** Ends a failed attempt: moves on to another when allowed, else the call fails with the typed error. */
  private unaryFailed(
    call: Prepared,
    error: unknown,
    handle: CallHandle | undefined,
    instanceId: string | undefined,
    request: unknown,
    pinned: string | undefined,
    hashKey: string | undefined,
  ): Promise<unknown> {
    handle?.end(!defaultRecordError(error) || error instanceof BreakerOpenError ? OK : FAILED);
    const typed = this.typed(call, error, instanceId);
    // Pinned calls are never rerouted; others may move to another instance. A breaker
    // rejection never reached the server, so moving on is safe for any method.
    const maxAttempts = pinned === undefined ? this.options.maxAttempts : 1;
    const retry =
      call.attempt < maxAttempts &&
      (typed instanceof BreakerOpenError || (call.plan.idempotent && typed.code === 'RPC_UNAVAILABLE')) &&
      this.clock.now() < call.deadlineMs &&
      !call.signal?.aborted;
    if (!retry) {
      this.finish(call, typed);
      return Promise.reject(typed);
    }
    if (instanceId !== undefined) (call.tried ??= new Set()).add(instanceId);
    return this.unaryNext(call, request, pinned, hashKey);
  }

  /** The breaker's context for a method on a channel (key: instance id + method path), made once. */
  private breakerContext(channel: Channel, path: string): CallContext {
    let context = channel.breakerContexts.get(path);
    if (context === undefined) {
      context = { key: `${channel.instanceId}${path}` };
      channel.breakerContexts.set(path, context);
    }
    return context;
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
      const signal = call.signal;
      let onAbort: (() => void) | undefined;
      const grpcCall = channel.client.makeUnaryRequest(
        call.def.path,
        call.def.requestSerialize,
        call.def.responseDeserialize,
        request,
        this.grpcMetadata(call),
        { deadline: call.deadlineMs },
        (error: ServiceError | null, response?: unknown) => {
          if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
          if (error) {
            // CANCELLED that the caller did not ask for means the server dropped the call.
            const wire =
              error.code === Status.CANCELLED && !signal?.aborted
                ? { ...wireOf(error), code: Status.UNAVAILABLE }
                : wireOf(error);
            reject(fromWireError(call.def.path, wire, { instanceId: channel.instanceId, timeoutMs: call.timeoutMs }));
          } else resolve(response);
        },
      );
      if (signal !== undefined) {
        onAbort = (): void => grpcCall.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  private async clientStream(
    plan: MethodPlan,
    requests: AsyncIterable<unknown> | Iterable<unknown>,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
  ): Promise<unknown> {
    const call = this.prepare(plan, options);
    const def = plan.def;
    let instanceId: string | undefined;
    try {
      const channel = await this.channelFor(pinned, undefined, options?.hashKey);
      instanceId = channel.instanceId;
      const result = await new Promise((resolve, reject) => {
        const writable = channel.client.makeClientStreamRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          this.grpcMetadata(call),
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
    plan: MethodPlan,
    options: RpcCallOptions | undefined,
    pinned: string | undefined,
    open: (channel: Channel, metadata: Metadata, opts: { deadline: number }) => ClientReadableStream<unknown>,
  ): AsyncGenerator<unknown> {
    const call = this.prepare(plan, options);
    let instanceId: string | undefined;
    let readable: ClientReadableStream<unknown> | undefined;
    const onAbort = (): void => readable?.cancel();
    try {
      const channel = await this.channelFor(pinned, undefined, options?.hashKey);
      instanceId = channel.instanceId;
      readable = open(channel, this.grpcMetadata(call), { deadline: call.deadlineMs });
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

  private async channelFor(
    pinned: string | undefined,
    tried: ReadonlySet<string> | undefined,
    hashKey?: string,
  ): Promise<Channel> {
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
      const context = hashKey === undefined ? NO_KEY : { key: hashKey };
      instance = this.avoidTried(await balancer.choose(context), tried, context);
      this.loaded = true;
    }
    return this.channelOf(instance);
  }

  /** Whether discovery has answered once (later picks are synchronous). */
  private loaded = false;

  private pickChannel(tried: ReadonlySet<string> | undefined, hashKey: string | undefined): Channel | undefined {
    const balancer = this.balancer;
    if (balancer === undefined) return undefined;
    const context = hashKey === undefined ? NO_KEY : { key: hashKey };
    return this.channelOf(this.avoidTried(balancer.pick(context), tried, context));
  }

  /** A retry goes to an instance not tried yet, chosen by the same strategy. */
  private avoidTried(
    instance: ServiceInstance,
    tried: ReadonlySet<string> | undefined,
    context: { key?: string },
  ): ServiceInstance {
    if (tried === undefined || !tried.has(instance.instanceId)) return instance;
    const balancer = this.balancer;
    const fresh = balancer?.currentCandidates().filter((i) => !tried.has(i.instanceId)) ?? [];
    return (fresh.length > 0 ? balancer?.strategy.pick(fresh, context) : undefined) ?? instance;
  }

  private channelOf(instance: ServiceInstance): Channel {
    const known = this.channels.get(instance.instanceId);
    // Same discovery entry as last time: same address, no string to build and compare.
    if (known !== undefined && known.checked === instance) return known;
    const port = instance.ports[this.options.portName];
    if (port === undefined) throw new RpcNoPortError(this.options.service, instance.instanceId, this.options.portName);
    const channel = this.channel(instance.instanceId, `${instance.host}:${port}`);
    this.instances.set(instance.instanceId, instance);
    channel.checked = instance;
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
    const channel: Channel = { instanceId, address, client, fast, breakerContexts: new Map(), checked: undefined };
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
