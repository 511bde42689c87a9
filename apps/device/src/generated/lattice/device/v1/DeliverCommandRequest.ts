// Original file: proto/lattice/device/v1/device_service.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface DeliverCommandRequest {
  commandId?: string;
  hubId?: string;
  epoch?: number | string | Long;
  deadlineMs?: number | string | Long;
  deviceId?: string;
  method?: string;
  params?: { [key: string]: _lattice_device_v1_Value };
}

export interface DeliverCommandRequest__Output {
  commandId: string;
  hubId: string;
  epoch: string;
  deadlineMs: string;
  deviceId: string;
  method: string;
  params: { [key: string]: _lattice_device_v1_Value__Output };
}
