import { fileURLToPath } from 'node:url';
import { status as Status, type ServerWritableStream, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { contractFrom, PROTO_LOADER_OPTIONS } from '../grpc/proto-loading.js';
import type { GrpcServiceContract } from '../grpc/grpc.interfaces.js';

/** Serving status values of grpc.health.v1. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus;
}

/** Loads grpc.health.v1.Health from the proto file shipped with the package. */
export function healthContract(): GrpcServiceContract {
  const protoPath = fileURLToPath(new URL('../../proto/grpc/health/v1/health.proto', import.meta.url));
  return contractFrom(loadSync(protoPath, PROTO_LOADER_OPTIONS), 'grpc.health.v1.Health', protoPath);
}

/** The health service state: one status per service name ('' is the whole server). */
export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthRequest, HealthResponse> }>();

  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const w of this.watchers) if (w.service === service) w.call.write({ status });
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Ends every Watch stream (drain). */
  endWatches(): void {
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  implementation(): Record<string, unknown> {
    return {
      Check: (call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined)
          callback({ code: Status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
        else callback(null, { status });
      },
      Watch: (call: ServerWritableStream<HealthRequest, HealthResponse>) => {
        const watcher = { service: call.request.service, call };
        this.watchers.add(watcher);
        call.write({ status: this.statuses.get(watcher.service) ?? 'SERVICE_UNKNOWN' });
        call.on('cancelled', () => this.watchers.delete(watcher));
        call.on('close', () => this.watchers.delete(watcher));
      },
    };
  }
}
