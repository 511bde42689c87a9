 
// Original file: proto/lattice/test/v1/echo.proto

export interface EchoReply {
  message?: string;
  instance?: string;
  deadlineRemainingMs?: number;
  traceId?: string;
  caller?: string;
  nextHopDeadlineRemainingMs?: number;
}

export interface EchoReply__Output {
  message: string;
  instance: string;
  deadlineRemainingMs: number;
  traceId: string;
  caller: string;
  nextHopDeadlineRemainingMs: number;
}
