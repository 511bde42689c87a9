// Original file: proto/lattice/device/v1/device_service.proto

import type {
  Shadow as _lattice_device_v1_Shadow,
  Shadow__Output as _lattice_device_v1_Shadow__Output,
} from '../../../lattice/device/v1/Shadow.js';
import type { Long } from '@grpc/proto-loader';

export interface DeviceView {
  deviceId?: string;
  hubId?: string;
  homeId?: string;
  model?: string;
  capabilities?: string[];
  online?: boolean;
  lastSeenMs?: number | string | Long;
  shadow?: _lattice_device_v1_Shadow | null;
}

export interface DeviceView__Output {
  deviceId: string;
  hubId: string;
  homeId: string;
  model: string;
  capabilities: string[];
  online: boolean;
  lastSeenMs: string;
  shadow: _lattice_device_v1_Shadow__Output | null;
}
