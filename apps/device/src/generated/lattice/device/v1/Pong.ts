// Original file: proto/lattice/device/v1/hub_link.proto

import type { Long } from '@grpc/proto-loader';

export interface Pong {
  tsMs?: number | string | Long;
}

export interface Pong__Output {
  tsMs: string;
}
