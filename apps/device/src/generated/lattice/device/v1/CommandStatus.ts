// Original file: proto/lattice/device/v1/device_service.proto

export const CommandStatus = {
  COMMAND_STATUS_UNSPECIFIED: 'COMMAND_STATUS_UNSPECIFIED',
  QUEUED: 'QUEUED',
  SENT: 'SENT',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMEOUT: 'TIMEOUT',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
} as const;

export type CommandStatus =
  | 'COMMAND_STATUS_UNSPECIFIED'
  | 0
  | 'QUEUED'
  | 1
  | 'SENT'
  | 2
  | 'SUCCEEDED'
  | 3
  | 'FAILED'
  | 4
  | 'TIMEOUT'
  | 5
  | 'EXPIRED'
  | 6
  | 'REJECTED'
  | 7;

export type CommandStatus__Output = (typeof CommandStatus)[keyof typeof CommandStatus];
