// Original file: proto/lattice/device/v1/device_service.proto

export interface SyncDesiredResponse {
  sent?: boolean;
}

export interface SyncDesiredResponse__Output {
  sent: boolean;
}
