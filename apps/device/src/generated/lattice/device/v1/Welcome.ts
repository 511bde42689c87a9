// Original file: proto/lattice/device/v1/hub_link.proto

import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  sessionId?: string;
  heartbeatIntervalMs?: number | string | Long;
}

export interface Welcome__Output {
  sessionId: string;
  heartbeatIntervalMs: string;
}
