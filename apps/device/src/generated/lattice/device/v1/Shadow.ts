// Original file: proto/lattice/device/v1/device_service.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface Shadow {
  deviceId?: string;
  reported?: { [key: string]: _lattice_device_v1_Value };
  desired?: { [key: string]: _lattice_device_v1_Value };
  delta?: { [key: string]: _lattice_device_v1_Value };
  version?: number | string | Long;
  updatedAtMs?: number | string | Long;
}

export interface Shadow__Output {
  deviceId: string;
  reported: { [key: string]: _lattice_device_v1_Value__Output };
  desired: { [key: string]: _lattice_device_v1_Value__Output };
  delta: { [key: string]: _lattice_device_v1_Value__Output };
  version: string;
  updatedAtMs: string;
}
