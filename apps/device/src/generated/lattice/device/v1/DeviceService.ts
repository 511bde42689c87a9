// Original file: proto/lattice/device/v1/device_service.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CommandView as _lattice_device_v1_CommandView,
  CommandView__Output as _lattice_device_v1_CommandView__Output,
} from '../../../lattice/device/v1/CommandView.js';
import type {
  DeliverCommandRequest as _lattice_device_v1_DeliverCommandRequest,
  DeliverCommandRequest__Output as _lattice_device_v1_DeliverCommandRequest__Output,
} from '../../../lattice/device/v1/DeliverCommandRequest.js';
import type {
  DeviceView as _lattice_device_v1_DeviceView,
  DeviceView__Output as _lattice_device_v1_DeviceView__Output,
} from '../../../lattice/device/v1/DeviceView.js';
import type {
  GetCommandRequest as _lattice_device_v1_GetCommandRequest,
  GetCommandRequest__Output as _lattice_device_v1_GetCommandRequest__Output,
} from '../../../lattice/device/v1/GetCommandRequest.js';
import type {
  GetDeviceRequest as _lattice_device_v1_GetDeviceRequest,
  GetDeviceRequest__Output as _lattice_device_v1_GetDeviceRequest__Output,
} from '../../../lattice/device/v1/GetDeviceRequest.js';
import type {
  GetShadowRequest as _lattice_device_v1_GetShadowRequest,
  GetShadowRequest__Output as _lattice_device_v1_GetShadowRequest__Output,
} from '../../../lattice/device/v1/GetShadowRequest.js';
import type {
  ListDevicesRequest as _lattice_device_v1_ListDevicesRequest,
  ListDevicesRequest__Output as _lattice_device_v1_ListDevicesRequest__Output,
} from '../../../lattice/device/v1/ListDevicesRequest.js';
import type {
  ListDevicesResponse as _lattice_device_v1_ListDevicesResponse,
  ListDevicesResponse__Output as _lattice_device_v1_ListDevicesResponse__Output,
} from '../../../lattice/device/v1/ListDevicesResponse.js';
import type {
  ProvisionHubRequest as _lattice_device_v1_ProvisionHubRequest,
  ProvisionHubRequest__Output as _lattice_device_v1_ProvisionHubRequest__Output,
} from '../../../lattice/device/v1/ProvisionHubRequest.js';
import type {
  ProvisionHubResponse as _lattice_device_v1_ProvisionHubResponse,
  ProvisionHubResponse__Output as _lattice_device_v1_ProvisionHubResponse__Output,
} from '../../../lattice/device/v1/ProvisionHubResponse.js';
import type {
  ReleaseHubRequest as _lattice_device_v1_ReleaseHubRequest,
  ReleaseHubRequest__Output as _lattice_device_v1_ReleaseHubRequest__Output,
} from '../../../lattice/device/v1/ReleaseHubRequest.js';
import type {
  ReleaseHubResponse as _lattice_device_v1_ReleaseHubResponse,
  ReleaseHubResponse__Output as _lattice_device_v1_ReleaseHubResponse__Output,
} from '../../../lattice/device/v1/ReleaseHubResponse.js';
import type {
  SendCommandRequest as _lattice_device_v1_SendCommandRequest,
  SendCommandRequest__Output as _lattice_device_v1_SendCommandRequest__Output,
} from '../../../lattice/device/v1/SendCommandRequest.js';
import type {
  Shadow as _lattice_device_v1_Shadow,
  Shadow__Output as _lattice_device_v1_Shadow__Output,
} from '../../../lattice/device/v1/Shadow.js';
import type {
  SyncDesiredRequest as _lattice_device_v1_SyncDesiredRequest,
  SyncDesiredRequest__Output as _lattice_device_v1_SyncDesiredRequest__Output,
} from '../../../lattice/device/v1/SyncDesiredRequest.js';
import type {
  SyncDesiredResponse as _lattice_device_v1_SyncDesiredResponse,
  SyncDesiredResponse__Output as _lattice_device_v1_SyncDesiredResponse__Output,
} from '../../../lattice/device/v1/SyncDesiredResponse.js';
import type {
  UpdateDesiredRequest as _lattice_device_v1_UpdateDesiredRequest,
  UpdateDesiredRequest__Output as _lattice_device_v1_UpdateDesiredRequest__Output,
} from '../../../lattice/device/v1/UpdateDesiredRequest.js';

export interface DeviceServiceClient extends grpc.Client {
  DeliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  DeliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  DeliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  DeliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  deliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  deliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  deliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  deliverCommand(
    argument: _lattice_device_v1_DeliverCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;

  GetCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  GetCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  GetCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  GetCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  getCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  getCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  getCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  getCommand(
    argument: _lattice_device_v1_GetCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;

  GetDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  GetDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  GetDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  GetDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  getDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  getDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  getDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;
  getDevice(
    argument: _lattice_device_v1_GetDeviceRequest,
    callback: grpc.requestCallback<_lattice_device_v1_DeviceView__Output>,
  ): grpc.ClientUnaryCall;

  GetShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  GetShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  GetShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  GetShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  getShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  getShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  getShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  getShadow(
    argument: _lattice_device_v1_GetShadowRequest,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;

  ListDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDevices(
    argument: _lattice_device_v1_ListDevicesRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ListDevicesResponse__Output>,
  ): grpc.ClientUnaryCall;

  ProvisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProvisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProvisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProvisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  provisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  provisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  provisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  provisionHub(
    argument: _lattice_device_v1_ProvisionHubRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ProvisionHubResponse__Output>,
  ): grpc.ClientUnaryCall;

  ReleaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ReleaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ReleaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  ReleaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  releaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  releaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  releaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;
  releaseHub(
    argument: _lattice_device_v1_ReleaseHubRequest,
    callback: grpc.requestCallback<_lattice_device_v1_ReleaseHubResponse__Output>,
  ): grpc.ClientUnaryCall;

  SendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  SendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  SendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  SendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  sendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  sendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  sendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;
  sendCommand(
    argument: _lattice_device_v1_SendCommandRequest,
    callback: grpc.requestCallback<_lattice_device_v1_CommandView__Output>,
  ): grpc.ClientUnaryCall;

  SyncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  SyncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  SyncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  SyncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  syncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  syncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  syncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;
  syncDesired(
    argument: _lattice_device_v1_SyncDesiredRequest,
    callback: grpc.requestCallback<_lattice_device_v1_SyncDesiredResponse__Output>,
  ): grpc.ClientUnaryCall;

  UpdateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  UpdateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  UpdateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  UpdateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  updateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  updateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  updateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
  updateDesired(
    argument: _lattice_device_v1_UpdateDesiredRequest,
    callback: grpc.requestCallback<_lattice_device_v1_Shadow__Output>,
  ): grpc.ClientUnaryCall;
}

export interface DeviceServiceHandlers extends grpc.UntypedServiceImplementation {
  DeliverCommand: grpc.handleUnaryCall<
    _lattice_device_v1_DeliverCommandRequest__Output,
    _lattice_device_v1_CommandView
  >;

  GetCommand: grpc.handleUnaryCall<_lattice_device_v1_GetCommandRequest__Output, _lattice_device_v1_CommandView>;

  GetDevice: grpc.handleUnaryCall<_lattice_device_v1_GetDeviceRequest__Output, _lattice_device_v1_DeviceView>;

  GetShadow: grpc.handleUnaryCall<_lattice_device_v1_GetShadowRequest__Output, _lattice_device_v1_Shadow>;

  ListDevices: grpc.handleUnaryCall<
    _lattice_device_v1_ListDevicesRequest__Output,
    _lattice_device_v1_ListDevicesResponse
  >;

  ProvisionHub: grpc.handleUnaryCall<
    _lattice_device_v1_ProvisionHubRequest__Output,
    _lattice_device_v1_ProvisionHubResponse
  >;

  ReleaseHub: grpc.handleUnaryCall<_lattice_device_v1_ReleaseHubRequest__Output, _lattice_device_v1_ReleaseHubResponse>;

  SendCommand: grpc.handleUnaryCall<_lattice_device_v1_SendCommandRequest__Output, _lattice_device_v1_CommandView>;

  SyncDesired: grpc.handleUnaryCall<
    _lattice_device_v1_SyncDesiredRequest__Output,
    _lattice_device_v1_SyncDesiredResponse
  >;

  UpdateDesired: grpc.handleUnaryCall<_lattice_device_v1_UpdateDesiredRequest__Output, _lattice_device_v1_Shadow>;
}

export interface DeviceServiceDefinition extends grpc.ServiceDefinition {
  DeliverCommand: MethodDefinition<
    _lattice_device_v1_DeliverCommandRequest,
    _lattice_device_v1_CommandView,
    _lattice_device_v1_DeliverCommandRequest__Output,
    _lattice_device_v1_CommandView__Output
  >;
  GetCommand: MethodDefinition<
    _lattice_device_v1_GetCommandRequest,
    _lattice_device_v1_CommandView,
    _lattice_device_v1_GetCommandRequest__Output,
    _lattice_device_v1_CommandView__Output
  >;
  GetDevice: MethodDefinition<
    _lattice_device_v1_GetDeviceRequest,
    _lattice_device_v1_DeviceView,
    _lattice_device_v1_GetDeviceRequest__Output,
    _lattice_device_v1_DeviceView__Output
  >;
  GetShadow: MethodDefinition<
    _lattice_device_v1_GetShadowRequest,
    _lattice_device_v1_Shadow,
    _lattice_device_v1_GetShadowRequest__Output,
    _lattice_device_v1_Shadow__Output
  >;
  ListDevices: MethodDefinition<
    _lattice_device_v1_ListDevicesRequest,
    _lattice_device_v1_ListDevicesResponse,
    _lattice_device_v1_ListDevicesRequest__Output,
    _lattice_device_v1_ListDevicesResponse__Output
  >;
  ProvisionHub: MethodDefinition<
    _lattice_device_v1_ProvisionHubRequest,
    _lattice_device_v1_ProvisionHubResponse,
    _lattice_device_v1_ProvisionHubRequest__Output,
    _lattice_device_v1_ProvisionHubResponse__Output
  >;
  ReleaseHub: MethodDefinition<
    _lattice_device_v1_ReleaseHubRequest,
    _lattice_device_v1_ReleaseHubResponse,
    _lattice_device_v1_ReleaseHubRequest__Output,
    _lattice_device_v1_ReleaseHubResponse__Output
  >;
  SendCommand: MethodDefinition<
    _lattice_device_v1_SendCommandRequest,
    _lattice_device_v1_CommandView,
    _lattice_device_v1_SendCommandRequest__Output,
    _lattice_device_v1_CommandView__Output
  >;
  SyncDesired: MethodDefinition<
    _lattice_device_v1_SyncDesiredRequest,
    _lattice_device_v1_SyncDesiredResponse,
    _lattice_device_v1_SyncDesiredRequest__Output,
    _lattice_device_v1_SyncDesiredResponse__Output
  >;
  UpdateDesired: MethodDefinition<
    _lattice_device_v1_UpdateDesiredRequest,
    _lattice_device_v1_Shadow,
    _lattice_device_v1_UpdateDesiredRequest__Output,
    _lattice_device_v1_Shadow__Output
  >;
}
