import { fileURLToPath } from 'node:url';
import { loadGrpcService, type GrpcServiceContract } from '@lattice/rpc';
import { decodeTelemetryFrame } from '../internal/telemetry-decoder.js';

/**
 * The repository's proto root (same depth from src/ and dist/).
 *
 * @example
 * ```ts
 * loadGrpcService({ protoPath: 'lattice/device/v1/device_service.proto', package: 'lattice.device.v1', service: 'DeviceService', includeDirs: [PROTO_ROOT] });
 * ```
 */
export const PROTO_ROOT = fileURLToPath(new URL('../../../../proto', import.meta.url));

/** A hub frame the transport could not (or must not) turn into a message. */
export interface DroppedFrame {
  readonly dropped: 'oversized' | 'malformed';
  readonly bytes: number;
}

/** True for what {@link hubLinkContract}'s guarded decoder returns instead of a frame. */
export function isDroppedFrame(frame: unknown): frame is DroppedFrame {
  return typeof frame === 'object' && frame !== null && 'dropped' in frame;
}

/** The HubLink service, its request decoder guarded: oversized or undecodable frames become {@link DroppedFrame}s, so one bad frame never ends the stream. */
export function hubLinkContract(maxFrameBytes: number): GrpcServiceContract {
  const contract = loadGrpcService({
    protoPath: 'lattice/device/v1/hub_link.proto',
    package: 'lattice.device.v1',
    service: 'HubLink',
    includeDirs: [PROTO_ROOT],
  });
  const connect = contract.definition['Connect'];
  if (connect === undefined) return contract;
  const decode = connect.requestDeserialize;
  const guarded = (buffer: Buffer): unknown => {
    if (buffer.length > maxFrameBytes) return { dropped: 'oversized', bytes: buffer.length } satisfies DroppedFrame;
    try {
      // Telemetry (most frames) skips protobuf.js's message objects; anything else takes the generic decoder.
      return decodeTelemetryFrame(buffer) ?? decode(buffer);
    } catch {
      return { dropped: 'malformed', bytes: buffer.length } satisfies DroppedFrame;
    }
  };
  return { ...contract, definition: { ...contract.definition, Connect: { ...connect, requestDeserialize: guarded } } };
}

/**
 * The internal DeviceService contract, for clients in other apps.
 *
 * @example
 * ```ts
 * const client = new GrpcClient({ service: 'device', contract: deviceServiceContract(), discovery });
 * ```
 */
export function deviceServiceContract(): GrpcServiceContract {
  return loadGrpcService({
    protoPath: 'lattice/device/v1/device_service.proto',
    package: 'lattice.device.v1',
    service: 'DeviceService',
    includeDirs: [PROTO_ROOT],
  });
}

/**
 * The HubLink service as a plain client sees it (no guard), for the simulator and tests.
 *
 * @example
 * ```ts
 * const HubLink = grpc.makeGenericClientConstructor(plainHubLinkContract().definition, 'HubLink');
 * ```
 */
export function plainHubLinkContract(): GrpcServiceContract {
  return loadGrpcService({
    protoPath: 'lattice/device/v1/hub_link.proto',
    package: 'lattice.device.v1',
    service: 'HubLink',
    includeDirs: [PROTO_ROOT],
  });
}
