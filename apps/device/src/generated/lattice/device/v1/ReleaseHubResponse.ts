// Original file: proto/lattice/device/v1/device_service.proto

export interface ReleaseHubResponse {
  released?: boolean;
}

export interface ReleaseHubResponse__Output {
  released: boolean;
}
