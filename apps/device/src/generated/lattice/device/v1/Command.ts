// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface Command {
  commandId?: string;
  deviceId?: string;
  method?: string;
  params?: { [key: string]: _lattice_device_v1_Value };
  deadlineMs?: number | string | Long;
}

export interface Command__Output {
  commandId: string;
  deviceId: string;
  method: string;
  params: { [key: string]: _lattice_device_v1_Value__Output };
  deadlineMs: string;
}
