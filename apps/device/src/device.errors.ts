import { LatticeError } from '@lattice/core';
import { DeviceMessages } from './device.messages.js';

/**
 * A hub connected without valid credentials (unknown hub, wrong secret, missing metadata).
 * Deliberately says nothing more, so hub ids cannot be probed.
 *
 * @example
 * ```ts
 * if (!verified) throw new HubUnauthenticatedError();
 * ```
 */
export class HubUnauthenticatedError extends LatticeError {
  constructor() {
    super('DEVICE_UNAUTHENTICATED', DeviceMessages.unauthenticated(), { status: 401 });
  }
}

/**
 * The hub's stream was closed because the same hub connected again (gRPC `ABORTED`).
 *
 * @example
 * ```ts
 * oldSession.close(new ConnectionReplacedError('hub-1'));
 * ```
 */
export class ConnectionReplacedError extends LatticeError<{ readonly hubId: string }> {
  constructor(hubId: string) {
    super('DEVICE_CONNECTION_REPLACED', DeviceMessages.replaced(), { data: { hubId }, status: 409 });
  }
}

/**
 * The hub was silent for three heartbeat intervals; its stream is closed (gRPC `UNAVAILABLE`).
 *
 * @example
 * ```ts
 * session.close(new HeartbeatMissedError('hub-1', 90_000));
 * ```
 */
export class HeartbeatMissedError extends LatticeError<{ readonly hubId: string; readonly silentMs: number }> {
  constructor(hubId: string, silentMs: number) {
    super('DEVICE_HEARTBEAT_MISSED', DeviceMessages.heartbeatMissed(silentMs), {
      data: { hubId, silentMs },
      status: 503,
      retryable: true,
    });
  }
}

/**
 * The per-stream send queue overflowed because the hub reads too slowly (gRPC `RESOURCE_EXHAUSTED`).
 *
 * @example
 * ```ts
 * if (queue.length >= limit) session.close(new StreamOverflowError('hub-1', limit));
 * ```
 */
export class StreamOverflowError extends LatticeError<{ readonly hubId: string; readonly frames: number }> {
  constructor(hubId: string, frames: number) {
    super('DEVICE_STREAM_OVERFLOW', DeviceMessages.overflow(frames), {
      data: { hubId, frames },
      status: 429,
      retryable: true,
    });
  }
}

/**
 * The instance is draining; hubs should reconnect to another one (gRPC `UNAVAILABLE`).
 *
 * @example
 * ```ts
 * session.close(new InstanceDrainingError());
 * ```
 */
export class InstanceDrainingError extends LatticeError {
  constructor() {
    super('DEVICE_DRAINING', DeviceMessages.draining(), { status: 503, retryable: true });
  }
}

/**
 * No such device in the caller's homes (404; other homes' devices look exactly like missing ones).
 *
 * @example
 * ```ts
 * throw new DeviceNotFoundError('lamp-1');
 * ```
 */
export class DeviceNotFoundError extends LatticeError<{ readonly deviceId: string }> {
  constructor(deviceId: string) {
    super('DEVICE_NOT_FOUND', DeviceMessages.deviceNotFound(deviceId), { data: { deviceId }, status: 404 });
  }
}

/**
 * No such command in the caller's homes (404).
 *
 * @example
 * ```ts
 * throw new CommandNotFoundError('cmd-1');
 * ```
 */
export class CommandNotFoundError extends LatticeError<{ readonly commandId: string }> {
  constructor(commandId: string) {
    super('DEVICE_COMMAND_NOT_FOUND', DeviceMessages.commandNotFound(commandId), { data: { commandId }, status: 404 });
  }
}

/**
 * The device's hub is offline and the command did not ask to be queued. gRPC
 * `FAILED_PRECONDITION` (status 412) with code `HUB_OFFLINE`; the HTTP API answers 409.
 *
 * @example
 * ```ts
 * throw new HubOfflineError('hub-1');       // gRPC FAILED_PRECONDITION
 * throw new HubOfflineError('hub-1', 409);  // HTTP 409
 * ```
 */
export class HubOfflineError extends LatticeError<{ readonly hubId: string }> {
  constructor(hubId: string, status = 412) {
    super('HUB_OFFLINE', DeviceMessages.hubOffline(hubId), { data: { hubId }, status });
  }
}

/**
 * Replica to replica: the hub's stream is not (or no longer) held by this instance.
 *
 * @example
 * ```ts
 * throw new HubNotHeldError('hub-1');
 * ```
 */
export class HubNotHeldError extends LatticeError<{ readonly hubId: string }> {
  constructor(hubId: string) {
    super('DEVICE_HUB_NOT_HELD', DeviceMessages.hubNotHeld(hubId), { data: { hubId }, status: 412, retryable: true });
  }
}

/**
 * The hub did not answer a command before its deadline (504; the command's status is TIMEOUT).
 *
 * @example
 * ```ts
 * throw new CommandTimeoutError('cmd-1', 5000);
 * ```
 */
export class CommandTimeoutError extends LatticeError<{ readonly commandId: string; readonly timeoutMs: number }> {
  constructor(commandId: string, timeoutMs: number) {
    super('DEVICE_COMMAND_TIMEOUT', DeviceMessages.commandTimeout(commandId, timeoutMs), {
      data: { commandId, timeoutMs },
      status: 504,
    });
  }
}

/**
 * A command id was reused for a different device or method (409).
 *
 * @example
 * ```ts
 * throw new CommandConflictError('cmd-1');
 * ```
 */
export class CommandConflictError extends LatticeError<{ readonly commandId: string }> {
  constructor(commandId: string) {
    super('DEVICE_COMMAND_CONFLICT', DeviceMessages.commandConflict(commandId), { data: { commandId }, status: 409 });
  }
}

/**
 * A request field is missing or invalid (400).
 *
 * @example
 * ```ts
 * throw new InvalidDeviceRequestError('method is required');
 * ```
 */
export class InvalidDeviceRequestError extends LatticeError<{ readonly problem: string }> {
  constructor(problem: string) {
    super('DEVICE_INVALID_REQUEST', DeviceMessages.invalidRequest(problem), { data: { problem }, status: 400 });
  }
}

/**
 * An HTTP request arrived without the gateway's identity headers (401).
 *
 * @example
 * ```ts
 * throw new MissingIdentityError();
 * ```
 */
export class MissingIdentityError extends LatticeError {
  constructor() {
    super('DEVICE_MISSING_IDENTITY', DeviceMessages.missingIdentity(), { status: 401 });
  }
}
