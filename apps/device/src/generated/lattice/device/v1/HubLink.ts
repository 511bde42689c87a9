// Original file: proto/lattice/device/v1/hub_link.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CloudFrame as _lattice_device_v1_CloudFrame,
  CloudFrame__Output as _lattice_device_v1_CloudFrame__Output,
} from '../../../lattice/device/v1/CloudFrame.js';
import type {
  HubFrame as _lattice_device_v1_HubFrame,
  HubFrame__Output as _lattice_device_v1_HubFrame__Output,
} from '../../../lattice/device/v1/HubFrame.js';

export interface HubLinkClient extends grpc.Client {
  Connect(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_device_v1_HubFrame, _lattice_device_v1_CloudFrame__Output>;
  Connect(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_device_v1_HubFrame, _lattice_device_v1_CloudFrame__Output>;
  connect(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_device_v1_HubFrame, _lattice_device_v1_CloudFrame__Output>;
  connect(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_lattice_device_v1_HubFrame, _lattice_device_v1_CloudFrame__Output>;
}

export interface HubLinkHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_lattice_device_v1_HubFrame__Output, _lattice_device_v1_CloudFrame>;
}

export interface HubLinkDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<
    _lattice_device_v1_HubFrame,
    _lattice_device_v1_CloudFrame,
    _lattice_device_v1_HubFrame__Output,
    _lattice_device_v1_CloudFrame__Output
  >;
}
