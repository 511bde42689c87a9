// Original file: proto/lattice/device/v1/device_service.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface SendCommandRequest {
  deviceId?: string;
  homeIds?: string[];
  method?: string;
  params?: { [key: string]: _lattice_device_v1_Value };
  timeoutMs?: number | string | Long;
  commandId?: string;
  queueTtlMs?: number | string | Long;
}

export interface SendCommandRequest__Output {
  deviceId: string;
  homeIds: string[];
  method: string;
  params: { [key: string]: _lattice_device_v1_Value__Output };
  timeoutMs: string;
  commandId: string;
  queueTtlMs: string;
}
