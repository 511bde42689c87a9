// Original file: proto/lattice/device/v1/device_service.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';

export interface UpdateDesiredRequest {
  deviceId?: string;
  homeIds?: string[];
  desired?: { [key: string]: _lattice_device_v1_Value };
  remove?: string[];
}

export interface UpdateDesiredRequest__Output {
  deviceId: string;
  homeIds: string[];
  desired: { [key: string]: _lattice_device_v1_Value__Output };
  remove: string[];
}
