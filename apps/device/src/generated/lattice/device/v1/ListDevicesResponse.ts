// Original file: proto/lattice/device/v1/device_service.proto

import type {
  DeviceView as _lattice_device_v1_DeviceView,
  DeviceView__Output as _lattice_device_v1_DeviceView__Output,
} from '../../../lattice/device/v1/DeviceView.js';

export interface ListDevicesResponse {
  devices?: _lattice_device_v1_DeviceView[];
}

export interface ListDevicesResponse__Output {
  devices: _lattice_device_v1_DeviceView__Output[];
}
