// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  DeviceInfo as _lattice_device_v1_DeviceInfo,
  DeviceInfo__Output as _lattice_device_v1_DeviceInfo__Output,
} from '../../../lattice/device/v1/DeviceInfo.js';

export interface DevicesChanged {
  joined?: _lattice_device_v1_DeviceInfo[];
  left?: string[];
}

export interface DevicesChanged__Output {
  joined: _lattice_device_v1_DeviceInfo__Output[];
  left: string[];
}
