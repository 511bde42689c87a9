// Original file: proto/lattice/device/v1/device_service.proto

import type { Long } from '@grpc/proto-loader';

export interface SyncDesiredRequest {
  deviceId?: string;
  hubId?: string;
  epoch?: number | string | Long;
}

export interface SyncDesiredRequest__Output {
  deviceId: string;
  hubId: string;
  epoch: string;
}
