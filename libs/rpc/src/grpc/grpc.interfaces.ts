import type * as grpc from '@grpc/grpc-js';

/** Per-call options of a Lattice gRPC stub. */
export interface RpcCallOptions {
  /** Deadline of this call; capped by the remaining deadline of the call being handled. @default the client's timeoutMs (5000) */
  timeoutMs?: number;
  /** Extra metadata sent with the call (e.g. caller identity on behalf of a user). */
  metadata?: Readonly<Record<string, string>>;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Key for hash-based balancers (consistent hashing). */
  hashKey?: string;
}

/** A unary method of a typed stub. */
export type UnaryStubMethod<Req, Res> = (request: Req, options?: RpcCallOptions) => Promise<Res>;
/** A server-streaming method of a typed stub. */
export type ServerStreamStubMethod<Req, Res> = (request: Req, options?: RpcCallOptions) => AsyncIterable<Res>;
/** A client-streaming method of a typed stub. */
export type ClientStreamStubMethod<Req, Res> = (
  requests: AsyncIterable<Req> | Iterable<Req>,
  options?: RpcCallOptions,
) => Promise<Res>;
/** A bidirectional-streaming method of a typed stub. */
export type BidiStreamStubMethod<Req, Res> = (
  requests: AsyncIterable<Req> | Iterable<Req>,
  options?: RpcCallOptions,
) => AsyncIterable<Res>;

type StubMethodOf<F> = F extends (options?: grpc.CallOptions) => grpc.ClientDuplexStream<infer Q, infer R>
  ? BidiStreamStubMethod<Q, R>
  : F extends (callback: grpc.requestCallback<infer R>) => grpc.ClientWritableStream<infer Q>
    ? ClientStreamStubMethod<Q, R>
    : F extends (argument: infer Q, callback: grpc.requestCallback<infer R>) => grpc.ClientUnaryCall
      ? UnaryStubMethod<Q, R>
      : F extends (argument: infer Q, options?: grpc.CallOptions) => grpc.ClientReadableStream<infer R>
        ? ServerStreamStubMethod<Q, R>
        : never;

type RpcNames<C> = {
  [K in Exclude<keyof C, keyof grpc.Client>]: K extends string ? (K extends Capitalize<K> ? K : never) : never;
}[Exclude<keyof C, keyof grpc.Client>];

/**
 * A typed stub derived from the `<Service>Client` interface that `proto-loader-gen-types`
 * generates: one promise/async-iterable method per rpc, named as in the .proto file.
 *
 * @example
 * ```ts
 * import type { EchoClient } from './generated/lattice/test/v1/Echo.js';
 * const echo: GrpcStub<EchoClient> = client.stub<EchoClient>();
 * const reply = await echo.Say({ message: 'hi' });
 * ```
 */
export type GrpcStub<C> = { readonly [K in RpcNames<C>]: StubMethodOf<C[K]> };

/** What a handler sees about the call it serves. */
export interface ServerCallContext {
  /** Full method path, e.g. `/lattice.test.v1.Echo/Say`. */
  readonly method: string;
  /** Incoming metadata (first value of each key; binary keys left out). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Deadline as epoch milliseconds, `Infinity` when the caller set none. */
  readonly deadlineMs: number;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
  /** The calling service's name (`lattice-caller` metadata), when a Lattice client called. */
  readonly caller: string | undefined;
  /** Milliseconds left until the deadline (`Infinity` when none). */
  remainingMs(): number;
}

/**
 * The request messages of a client- or bidi-streaming call, as a streaming handler gets them:
 * an async iterable, or read by callback with `forEach`. A handler that keeps a stream open
 * for hours and reads a few messages a second on each of thousands of streams should use
 * `forEach`: it keeps no promise pending per stream between messages (such promises outlive
 * young-generation collections and are then the largest cost per message).
 *
 * @example
 * ```ts
 * Record: async (requests) => {
 *   let saved = 0;
 *   await requests.forEach((reading) => {
 *     if (reading.final) return store.save(reading).then(() => saved++); // the next ones wait
 *     cache.set(reading.sensor, reading.value); // no promise: the next one comes when it arrives
 *   });
 *   return { saved };
 * },
 * ```
 */
export interface ServerRequestStream<T> extends AsyncIterable<T> {
  /**
   * Calls `handler` with each message in order as it arrives. When it returns a promise, the
   * next messages wait until that settles (past 16 waiting, HTTP/2 flow control holds the
   * sender). Resolves when the requests end (a cancelled call may end them like the client
   * did); rejects when the call fails or `handler` throws or rejects, and then reads no more
   * (the call itself stays open for the responses). A stream is read once: by `forEach` or by
   * iteration, not both.
   */
  forEach(handler: (message: T) => PromiseLike<unknown> | void): Promise<void>;
  /**
   * Stops reading the call's connection (TCP) until `resumeConnection()`, so the client is held
   * at once, whatever HTTP/2 window it has left: with thousands of slow streams, each on its own
   * connection, that window lets a client run ~80 KB ahead of a server that holds its messages.
   * Messages already read still arrive. Every call on the connection and its pings wait too, so
   * hold it briefly. Only a server that accepts its own connections (`listenBacklog`) can;
   * false when it cannot, or the connection is already held by this stream.
   */
  pauseConnection?(): boolean;
  /** Reads the connection again after `pauseConnection()` (nothing when it is not held). */
  resumeConnection?(): void;
}

type HandlerOf<H> = H extends (call: infer C, ...rest: never[]) => void
  ? C extends grpc.ServerDuplexStream<infer Q, infer R>
    ? (requests: ServerRequestStream<Q>, context: ServerCallContext) => AsyncIterable<R>
    : C extends grpc.ServerReadableStream<infer Q, infer R>
      ? (requests: ServerRequestStream<Q>, context: ServerCallContext) => Promise<R> | R
      : C extends grpc.ServerWritableStream<infer Q, infer R>
        ? (request: Q, context: ServerCallContext) => AsyncIterable<R>
        : C extends grpc.ServerUnaryCall<infer Q, infer R>
          ? (request: Q, context: ServerCallContext) => Promise<R> | R
          : never
  : never;

/**
 * A service implementation typed from the `<Service>Handlers` interface that
 * `proto-loader-gen-types` generates: unary handlers return a value or promise, streaming
 * handlers take a {@link ServerRequestStream} and return async iterables; throwing a
 * LatticeError sends its gRPC status.
 *
 * @example
 * ```ts
 * const impl: GrpcImplementation<EchoHandlers> = {
 *   Say: async (req, ctx) => ({ message: req.message, deadlineRemainingMs: ctx.remainingMs() }),
 *   ...
 * };
 * ```
 */
export type GrpcImplementation<H> = {
  // Generated handler interfaces extend an index signature; keep only the named rpcs.
  [K in keyof H as string extends K ? never : K]: HandlerOf<H[K]>;
};

/** A loaded service: its grpc-js definition plus what reflection needs. */
export interface GrpcServiceContract {
  /** Fully qualified service name, e.g. `lattice.test.v1.Echo`. */
  readonly name: string;
  /** grpc-js service definition (method paths, serializers, streaming flags). */
  readonly definition: grpc.ServiceDefinition;
  /** Methods marked idempotent in the .proto (`idempotency_level`). */
  readonly idempotentMethods: ReadonlySet<string>;
  /** The proto-loader package definition the service came from (for server reflection). */
  readonly packageDefinition: Readonly<Record<string, unknown>>;
}
