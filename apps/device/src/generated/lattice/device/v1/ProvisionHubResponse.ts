// Original file: proto/lattice/device/v1/device_service.proto

export interface ProvisionHubResponse {
  hubId?: string;
  secret?: string;
  homeId?: string;
}

export interface ProvisionHubResponse__Output {
  hubId: string;
  secret: string;
  homeId: string;
}
