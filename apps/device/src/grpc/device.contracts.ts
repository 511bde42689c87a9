import { fileURLToPath } from 'node:url';
import { loadGrpcService, type GrpcServiceContract } from '@lattice/rpc';
import type { CloudFrame } from '../generated/lattice/device/v1/CloudFrame.js';
import type { HubFrame__Output } from '../generated/lattice/device/v1/HubFrame.js';
import { decodeFastHubFrame, encodeFastCloudFrame, TelemetryFrame } from '../internal/hub-frame-codec.js';

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

/** What the hub link server reads from a hub's stream (see {@link hubLinkContract}). */
export type HubLinkFrame = HubFrame__Output | TelemetryFrame | DroppedFrame;

/** True for what {@link hubLinkContract}'s guarded decoder returns instead of a frame. */
export function isDroppedFrame(frame: unknown): frame is DroppedFrame {
  return typeof frame === 'object' && frame !== null && 'dropped' in frame;
}

/**
 * The HubLink service as the server reads it: oversized or undecodable frames become
 * {@link DroppedFrame}s (one bad frame never ends the stream), telemetry frames become
 * {@link TelemetryFrame}s, and telemetry, pings and pongs skip protobuf.js's message objects.
 */
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
  const encode = connect.responseSerialize;
  const guarded = (buffer: Buffer): unknown => {
    if (buffer.length > maxFrameBytes) return { dropped: 'oversized', bytes: buffer.length } satisfies DroppedFrame;
    try {
      const fast = decodeFastHubFrame(buffer);
      if (fast !== undefined) return fast;
      const frame = decode(buffer) as HubFrame__Output;
      return frame.frame === 'telemetry' ? TelemetryFrame.of(frame) : frame;
    } catch {
      return { dropped: 'malformed', bytes: buffer.length } satisfies DroppedFrame;
    }
  };
  const serialize = (frame: CloudFrame): Buffer => encodeFastCloudFrame(frame) ?? encode(frame);
  return {
    ...contract,
    definition: {
      ...contract.definition,
      Connect: { ...connect, requestDeserialize: guarded, responseSerialize: serialize },
    },
  };
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
