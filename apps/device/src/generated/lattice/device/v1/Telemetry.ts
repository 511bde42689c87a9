// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface Telemetry {
  deviceId?: string;
  tsMs?: number | string | Long;
  values?: { [key: string]: _lattice_device_v1_Value };
}

export interface Telemetry__Output {
  deviceId: string;
  tsMs: string;
  values: { [key: string]: _lattice_device_v1_Value__Output };
}
