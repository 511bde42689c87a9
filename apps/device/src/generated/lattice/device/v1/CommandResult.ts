// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Value as _lattice_device_v1_Value,
  Value__Output as _lattice_device_v1_Value__Output,
} from '../../../lattice/device/v1/Value.js';

// Original file: proto/lattice/device/v1/hub_link.proto

export const _lattice_device_v1_CommandResult_Status = {
  STATUS_UNSPECIFIED: 'STATUS_UNSPECIFIED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  REJECTED: 'REJECTED',
} as const;

export type _lattice_device_v1_CommandResult_Status =
  'STATUS_UNSPECIFIED' | 0 | 'SUCCEEDED' | 1 | 'FAILED' | 2 | 'REJECTED' | 3;

export type _lattice_device_v1_CommandResult_Status__Output =
  (typeof _lattice_device_v1_CommandResult_Status)[keyof typeof _lattice_device_v1_CommandResult_Status];

export interface CommandResult {
  commandId?: string;
  status?: _lattice_device_v1_CommandResult_Status;
  result?: { [key: string]: _lattice_device_v1_Value };
  error?: string;
}

export interface CommandResult__Output {
  commandId: string;
  status: _lattice_device_v1_CommandResult_Status__Output;
  result: { [key: string]: _lattice_device_v1_Value__Output };
  error: string;
}
