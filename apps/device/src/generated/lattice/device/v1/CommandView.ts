// Original file: proto/lattice/device/v1/device_service.proto

import type {
  CommandStatus as _lattice_device_v1_CommandStatus,
  CommandStatus__Output as _lattice_device_v1_CommandStatus__Output,
} from '../../../lattice/device/v1/CommandStatus.js';
import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface CommandView {
  commandId?: string;
  deviceId?: string;
  hubId?: string;
  method?: string;
  status?: _lattice_device_v1_CommandStatus;
  result?: { [key: string]: _lattice_device_v1_Value };
  error?: string;
  createdAtMs?: number | string | Long;
  updatedAtMs?: number | string | Long;
  expiresAtMs?: number | string | Long;
}

export interface CommandView__Output {
  commandId: string;
  deviceId: string;
  hubId: string;
  method: string;
  status: _lattice_device_v1_CommandStatus__Output;
  result: { [key: string]: _lattice_device_v1_Value__Output };
  error: string;
  createdAtMs: string;
  updatedAtMs: string;
  expiresAtMs: string;
}
