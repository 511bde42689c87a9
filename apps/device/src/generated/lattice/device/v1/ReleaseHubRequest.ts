// Original file: proto/lattice/device/v1/device_service.proto

import type { Long } from '@grpc/proto-loader';

export interface ReleaseHubRequest {
  hubId?: string;
  epoch?: number | string | Long;
}

export interface ReleaseHubRequest__Output {
  hubId: string;
  epoch: string;
}
