import { status as Status, Metadata } from '@grpc/grpc-js';
import { LatticeError } from '@lattice/core';
import {
  RpcCancelledError,
  RpcDeadlineExceededError,
  RpcRemoteError,
  RpcUnavailableError,
  type RpcCallErrorData,
} from '../rpc.errors.js';
import { RpcMessages } from '../rpc.messages.js';

/** Metadata keys carrying a LatticeError across gRPC. */
export const ERROR_CODE_KEY = 'lattice-error-code';
export const ERROR_RETRYABLE_KEY = 'lattice-error-retryable';

/** An error as it travels on the wire (both transports). */
export interface WireError {
  readonly code: number;
  readonly details: string;
  readonly metadata: Record<string, string>;
}

const HTTP_TO_GRPC: ReadonlyMap<number, number> = new Map([
  [400, Status.INVALID_ARGUMENT],
  [401, Status.UNAUTHENTICATED],
  [403, Status.PERMISSION_DENIED],
  [404, Status.NOT_FOUND],
  [409, Status.ABORTED],
  [412, Status.FAILED_PRECONDITION],
  [422, Status.INVALID_ARGUMENT],
  [429, Status.RESOURCE_EXHAUSTED],
  [499, Status.CANCELLED],
  [501, Status.UNIMPLEMENTED],
  [503, Status.UNAVAILABLE],
  [504, Status.DEADLINE_EXCEEDED],
]);

const GRPC_TO_HTTP: ReadonlyMap<number, number> = new Map([
  [Status.INVALID_ARGUMENT, 400],
  [Status.OUT_OF_RANGE, 400],
  [Status.UNAUTHENTICATED, 401],
  [Status.PERMISSION_DENIED, 403],
  [Status.NOT_FOUND, 404],
  [Status.ALREADY_EXISTS, 409],
  [Status.ABORTED, 409],
  [Status.FAILED_PRECONDITION, 412],
  [Status.RESOURCE_EXHAUSTED, 429],
  [Status.CANCELLED, 499],
  [Status.UNIMPLEMENTED, 501],
  [Status.UNAVAILABLE, 503],
  [Status.DEADLINE_EXCEEDED, 504],
]);

/** Name of a numeric gRPC status (`NOT_FOUND`). */
export function statusName(code: number): string {
  return Status[code] ?? `STATUS_${code}`;
}

/** Turns whatever a handler threw into a gRPC status; unknown errors never leak their message. */
export function toWireError(error: unknown): WireError {
  if (isWireLike(error)) {
    return { code: error.code, details: error.details, metadata: {} };
  }
  if (LatticeError.isLatticeError(error)) {
    const grpcStatus =
      typeof error.data['grpcStatus'] === 'number' && error.code.startsWith('RPC_')
        ? error.data['grpcStatus']
        : (HTTP_TO_GRPC.get(error.status) ?? (error.status >= 500 ? Status.INTERNAL : Status.FAILED_PRECONDITION));
    const remote = typeof error.data['remoteCode'] === 'string' ? error.data['remoteCode'] : error.code;
    return {
      code: grpcStatus,
      details: error.message,
      metadata: { [ERROR_CODE_KEY]: remote, [ERROR_RETRYABLE_KEY]: String(error.retryable) },
    };
  }
  return { code: Status.INTERNAL, details: RpcMessages.internal(), metadata: {} };
}

function isWireLike(error: unknown): error is { code: number; details: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    !LatticeError.isLatticeError(error) &&
    typeof (error as { code?: unknown }).code === 'number' &&
    typeof (error as { details?: unknown }).details === 'string'
  );
}

/** Builds grpc-js metadata from plain string pairs. */
export function toMetadata(pairs: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(pairs)) metadata.set(key, value);
  return metadata;
}

/** Reads the first value of each text key of grpc-js metadata. */
export function fromMetadata(metadata: Metadata | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined) return out;
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** Turns a wire error received by a client into the matching typed error. */
export function fromWireError(
  method: string,
  wire: WireError,
  extra: Omit<RpcCallErrorData, 'method' | 'grpcStatus' | 'remoteCode'> & { timeoutMs: number },
): LatticeError {
  const remoteCode = wire.metadata[ERROR_CODE_KEY];
  const withCode = {
    ...(extra.instanceId === undefined ? {} : { instanceId: extra.instanceId }),
    ...(remoteCode ? { remoteCode } : {}),
  };
  switch (wire.code as Status) {
    case Status.DEADLINE_EXCEEDED:
      return new RpcDeadlineExceededError(method, extra.timeoutMs, withCode);
    case Status.UNAVAILABLE:
      return new RpcUnavailableError(method, wire.details, withCode);
    case Status.CANCELLED:
      return new RpcCancelledError(method, withCode);
    default:
      return new RpcRemoteError(
        method,
        wire.code,
        statusName(wire.code),
        wire.details,
        GRPC_TO_HTTP.get(wire.code) ?? 500,
        withCode,
      );
  }
}
