import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, toProblem } from '@lattice/core';
import { GatewayRuntime } from '../gateway.runtime.js';
import { RouteTable } from '../routes/route-table.js';

const ADMIN_ROUTE = RouteTable.compile({ routes: [{ id: 'admin', uri: 'http://127.0.0.1', auth: 'admin' }] })
  .routes[0]!;

/**
 * Lets only admin-role JWTs reach `/admin/**` and the mounted config admin API (`/config/**`);
 * others get 401/403 problem+json.
 */
@Injectable()
export class AdminAuthMiddleware implements NestMiddleware {
  constructor(private readonly runtime: GatewayRuntime) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.runtime.proxy.authenticate(ADMIN_ROUTE, req, req.url ?? '/', Buffer.alloc(0)).then(
      () => next(),
      (error: unknown) => {
        const problem = toProblem(error, (req.url ?? '').split('?')[0]);
        res.statusCode = problem.status;
        res.setHeader('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
        res.end(JSON.stringify(problem));
      },
    );
  }
}
