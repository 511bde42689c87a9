// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  DeviceInfo as _lattice_device_v1_DeviceInfo,
  DeviceInfo__Output as _lattice_device_v1_DeviceInfo__Output,
} from '../../../lattice/device/v1/DeviceInfo.js';

export interface Hello {
  firmware?: string;
  devices?: _lattice_device_v1_DeviceInfo[];
}

export interface Hello__Output {
  firmware: string;
  devices: _lattice_device_v1_DeviceInfo__Output[];
}
