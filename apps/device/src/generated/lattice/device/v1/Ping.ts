// Original file: proto/lattice/device/v1/hub_link.proto

import type { Long } from '@grpc/proto-loader';

export interface Ping {
  tsMs?: number | string | Long;
}

export interface Ping__Output {
  tsMs: string;
}
