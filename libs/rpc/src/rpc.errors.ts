import { LatticeError } from '@lattice/core';
import { RpcMessages } from './rpc.messages.js';

/** Context carried by every error of a failed remote call. */
export type RpcCallErrorData = {
  /** Full method path, e.g. `/lattice.test.v1.Echo/Say`. */
  readonly method: string;
  /** Numeric gRPC status code (`@grpc/grpc-js` `status`). */
  readonly grpcStatus: number;
  /** The instance that answered (or failed), when one was chosen. */
  readonly instanceId?: string;
  /** The LatticeError code sent by the server in `lattice-error-code`, when there was one. */
  readonly remoteCode?: string;
};

/**
 * The call did not finish before its deadline (gRPC `DEADLINE_EXCEEDED`).
 *
 * @example
 * ```ts
 * try { await echo.Say({ message: 'hi' }, { timeoutMs: 100 }); }
 * catch (e) { if (e instanceof RpcDeadlineExceededError) console.log(e.data.method); }
 * ```
 */
export class RpcDeadlineExceededError extends LatticeError<RpcCallErrorData & { readonly timeoutMs: number }> {
  constructor(method: string, timeoutMs: number, extra: Omit<RpcCallErrorData, 'method' | 'grpcStatus'> = {}) {
    super('RPC_DEADLINE_EXCEEDED', RpcMessages.deadlineExceeded(method, timeoutMs), {
      data: { method, grpcStatus: 4, timeoutMs, ...extra },
      status: 504,
    });
  }
}

/**
 * No server could be reached or the connection broke (gRPC `UNAVAILABLE`); retryable.
 *
 * @example
 * ```ts
 * if (error instanceof RpcUnavailableError) logger.warn(error.data, 'device service down');
 * ```
 */
export class RpcUnavailableError extends LatticeError<RpcCallErrorData & { readonly detail: string }> {
  constructor(method: string, detail: string, extra: Omit<RpcCallErrorData, 'method' | 'grpcStatus'> = {}) {
    super('RPC_UNAVAILABLE', RpcMessages.unavailable(method, detail), {
      data: { method, grpcStatus: 14, detail, ...extra },
      status: 503,
      retryable: true,
    });
  }
}

/**
 * The caller cancelled the call (AbortSignal or the inbound call ended).
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * const p = echo.Say({ message: 'x' }, { signal: ac.signal });
 * ac.abort(); // p rejects with RpcCancelledError
 * ```
 */
export class RpcCancelledError extends LatticeError<RpcCallErrorData> {
  constructor(method: string, extra: Omit<RpcCallErrorData, 'method' | 'grpcStatus'> = {}) {
    super('RPC_CANCELLED', RpcMessages.cancelled(method), { data: { method, grpcStatus: 1, ...extra }, status: 499 });
  }
}

/**
 * The server answered with an error status; `data.remoteCode` holds its LatticeError code
 * and `status` the matching HTTP status, so breakers skip 4xx-like answers.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RpcRemoteError && e.data.remoteCode === 'DEVICE_NOT_FOUND') return null; }
 * ```
 */
export class RpcRemoteError extends LatticeError<
  RpcCallErrorData & { readonly statusName: string; readonly detail: string }
> {
  constructor(
    method: string,
    grpcStatus: number,
    statusName: string,
    detail: string,
    httpStatus: number,
    extra: Omit<RpcCallErrorData, 'method' | 'grpcStatus'> = {},
  ) {
    super('RPC_REMOTE_ERROR', RpcMessages.remote(method, statusName, detail), {
      data: { method, grpcStatus, statusName, detail, ...extra },
      status: httpStatus,
    });
  }
}

/**
 * `toInstance(id)` named an instance that discovery does not know.
 *
 * @example
 * ```ts
 * await client.toInstance('device-7').Say({ message: 'x' }); // may throw RpcInstanceNotFoundError
 * ```
 */
export class RpcInstanceNotFoundError extends LatticeError<{ readonly service: string; readonly instanceId: string }> {
  constructor(service: string, instanceId: string) {
    super('RPC_INSTANCE_NOT_FOUND', RpcMessages.instanceNotFound(service, instanceId), {
      data: { service, instanceId },
      status: 503,
      retryable: true,
    });
  }
}

/**
 * A .proto file does not define the requested service, or a method or handler is missing.
 *
 * @example
 * ```ts
 * loadGrpcService({ protoPath, package: 'lattice.test.v1', service: 'Nope' }); // throws RpcContractError
 * ```
 */
export class RpcContractError extends LatticeError<{ readonly service: string }> {
  constructor(service: string, message: string) {
    super('RPC_CONTRACT_MISMATCH', message, { data: { service } });
  }
}

/**
 * An instance from discovery does not advertise the gRPC port the client needs.
 *
 * @example
 * ```ts
 * new GrpcClient({ ..., portName: 'grpc-internal' }); // instances must register ports: { 'grpc-internal': 50052 }
 * ```
 */
export class RpcNoPortError extends LatticeError<{
  readonly service: string;
  readonly instanceId: string;
  readonly port: string;
}> {
  constructor(service: string, instanceId: string, port: string) {
    super('RPC_NO_PORT', RpcMessages.noPort(service, instanceId, port), {
      data: { service, instanceId, port },
      status: 503,
    });
  }
}

/** Context of a failed declarative HTTP call. */
export type RpcHttpCallData = {
  /** Discovery service name, or the base URL of a `url` client. */
  readonly service: string;
  /** `Class.method` of the declaration. */
  readonly operation: string;
  readonly verb: string;
  /** Path and query string sent. */
  readonly path: string;
  /** The instance that answered (or failed), when one was chosen. */
  readonly instanceId?: string;
};

/**
 * The server answered with an HTTP error status. `status` is that status (so 4xx answers do not
 * count for breakers and 5xx do), `data.problem` the RFC 9457 body when the server sent one
 * (`data.remoteCode` its `code`), otherwise `data.body` the text of the answer.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RpcHttpError && e.status === 404) return null; }
 * ```
 */
export class RpcHttpError extends LatticeError<
  RpcHttpCallData & {
    readonly httpStatus: number;
    readonly problem?: Readonly<Record<string, unknown>>;
    readonly remoteCode?: string;
    readonly body?: string;
  }
> {
  constructor(
    call: RpcHttpCallData,
    httpStatus: number,
    problem: Readonly<Record<string, unknown>> | undefined,
    body: string | undefined,
  ) {
    const remoteCode = typeof problem?.['code'] === 'string' ? problem['code'] : undefined;
    const detail = typeof problem?.['detail'] === 'string' ? problem['detail'] : (body ?? '').slice(0, 200);
    super('RPC_HTTP_ERROR', RpcMessages.httpError(call.operation, call.verb, call.path, httpStatus, detail), {
      data: {
        ...call,
        httpStatus,
        ...(problem === undefined ? {} : { problem }),
        ...(remoteCode === undefined ? {} : { remoteCode }),
        ...(body === undefined ? {} : { body }),
      },
      status: httpStatus,
      retryable: httpStatus === 502 || httpStatus === 503 || httpStatus === 504,
    });
  }
}

/**
 * The connection to the instance failed (refused, reset, closed mid-answer); retryable, and it
 * counts for the breaker.
 *
 * @example
 * ```ts
 * if (error instanceof RpcHttpConnectionError) logger.warn(error.data, 'device service unreachable');
 * ```
 */
export class RpcHttpConnectionError extends LatticeError<RpcHttpCallData & { readonly reason: string }> {
  constructor(call: RpcHttpCallData, reason: string, cause: unknown) {
    super('RPC_HTTP_CONNECTION_FAILED', RpcMessages.httpConnection(call.operation, call.service, reason), {
      data: { ...call, reason },
      status: 503,
      retryable: true,
      cause,
    });
  }
}

/**
 * A successful answer could not be decoded (JSON announced, something else sent).
 *
 * @example
 * ```ts
 * if (error instanceof RpcHttpDecodeError) logger.error(error.data, 'upstream sent malformed JSON');
 * ```
 */
export class RpcHttpDecodeError extends LatticeError<RpcHttpCallData & { readonly httpStatus: number }> {
  constructor(call: RpcHttpCallData, httpStatus: number, cause: unknown) {
    super('RPC_HTTP_DECODE_FAILED', RpcMessages.httpDecode(call.operation, httpStatus), {
      data: { ...call, httpStatus },
      status: 502,
      cause,
    });
  }
}

/**
 * A declared method of a `@FeignClient` class was called on the class itself, not on the
 * instance that `RpcModule.forFeature()` provides.
 *
 * @example
 * ```ts
 * constructor(private readonly devices: DeviceApi) {} // injected: fine; `new MyDeviceApi()` is not
 * ```
 */
export class RpcFeignNotBoundError extends LatticeError {
  constructor() {
    super('RPC_FEIGN_NOT_BOUND', RpcMessages.feignNotBound());
  }
}
