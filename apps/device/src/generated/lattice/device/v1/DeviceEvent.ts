// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface DeviceEvent {
  deviceId?: string;
  tsMs?: number | string | Long;
  type?: string;
  values?: { [key: string]: _lattice_device_v1_Value };
}

export interface DeviceEvent__Output {
  deviceId: string;
  tsMs: string;
  type: string;
  values: { [key: string]: _lattice_device_v1_Value__Output };
}
