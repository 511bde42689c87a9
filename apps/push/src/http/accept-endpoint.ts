import { AsyncResource } from 'node:async_hooks';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpFront } from '@lattice/boot';
import { PROBLEM_CONTENT_TYPE, statusTitle, toProblem, type ProblemDetails } from '@lattice/core';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import { AcceptApi, locationOf } from './accept-api.js';

type Route = '/push/messages' | '/push/messages/batch';

// What express's json parser takes without a transformation: JSON in UTF-8, not encoded.
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Serves the accept routes (`POST /push/messages` and `/push/messages/batch`) on the HTTP
 * server ahead of Nest, as the gateway serves `/api/`: one request per message is push's hot
 * path, and Express's and Nest's per-request pipeline cost several times the accept itself.
 * The work behind it is the controller's ({@link AcceptApi}: same identity check, limits,
 * validation and durable store before 202); errors are problem+json as at the Nest edge; the
 * request metric and server span are boot's ({@link HttpFront.requestTelemetry}). Anything unusual — another
 * content type or charset, a content encoding, a path variant — goes to Nest, whose body parser
 * and controller keep handling it as before. It is mounted through boot's {@link HttpFront}, so
 * boot's graceful drain counts these requests like Nest's.
 */
@Injectable()
export class AcceptEndpoint implements OnApplicationBootstrap {
  private readonly maxBodyBytes: number;

  constructor(
    private readonly api: AcceptApi,
    config: ApplicationConfig,
    private readonly front: HttpFront,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.maxBodyBytes = config.boot.server.maxBodyBytes;
  }

  onApplicationBootstrap(): void {
    this.front.use((req: IncomingMessage, res: ServerResponse) => {
      const route = routeOf(req);
      if (route === undefined) return false;
      this.serve(route, req, res);
      return true;
    });
  }

  private serve(route: Route, req: IncomingMessage, res: ServerResponse): void {
    // The request metric is labelled by Express's matched route; this is that route's template.
    (req as IncomingMessage & { route?: { path: string } }).route = { path: route };
    this.front.requestTelemetry(req, res, () => this.read(route, req, res));
  }

  private read(route: Route, req: IncomingMessage, res: ServerResponse): void {
    const limit = this.maxBodyBytes;
    if (Number(req.headers['content-length']) > limit) return this.tooLarge(route, req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData).off('end', ended);
        this.tooLarge(route, req, res);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      let body: unknown;
      try {
        body = parseJson(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      } catch (error) {
        this.problem(res, httpProblem(400, 'MALFORMED_BODY', (error as Error).message, route));
        return;
      }
      void this.accept(route, req.headers, body, res);
    };
    // The body's events come from the socket's context: the request's span must stay active for
    // the accept (its logs and Redis calls), as body-parser keeps it on Nest's path.
    const ended = this.front.tracesRequests ? AsyncResource.bind(onEnd) : onEnd;
    req.on('data', onData).on('end', ended);
  }

  private async accept(route: Route, headers: IncomingHttpHeaders, body: unknown, res: ServerResponse): Promise<void> {
    try {
      if (route === '/push/messages') {
        const view = await this.api.one(headers, body);
        answer(res, 202, JSON.stringify(view), { location: locationOf(view) });
      } else {
        answer(res, 202, JSON.stringify(await this.api.batch(headers, body)));
      }
    } catch (error) {
      const problem = toProblem(error, route);
      if (problem.status >= 500) this.logger.error({ err: error, path: route, code: problem.code }, 'request failed');
      this.problem(res, problem);
    }
  }

  private tooLarge(route: Route, req: IncomingMessage, res: ServerResponse): void {
    // The rest of the body is not read: the connection closes after the answer.
    res.shouldKeepAlive = false;
    this.problem(res, httpProblem(413, 'CONTENT_TOO_LARGE', 'request entity too large', route));
    req.resume();
  }

  private problem(res: ServerResponse, problem: ProblemDetails): void {
    answer(res, problem.status, JSON.stringify(problem), {}, `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  }
}

/** The accept route a request is for, when it is one this endpoint serves. */
function routeOf(req: IncomingMessage): Route | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path !== '/push/messages' && path !== '/push/messages/batch') return undefined;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  const type = req.headers['content-type'];
  return type !== undefined && PLAIN_JSON.test(type) ? path : undefined;
}

/** Express's json parser's reading: an empty body is `{}`, anything but an object or array is refused. */
function parseJson(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) throw new SyntaxError('Unexpected end of JSON input');
  if (first !== '{' && first !== '[')
    throw new SyntaxError(`Unexpected token '${first}': the body must be a JSON object`);
  return JSON.parse(text);
}

function httpProblem(status: number, code: string, detail: string, instance: string): ProblemDetails {
  return { type: `urn:lattice:error:http-${status}`, title: statusTitle(status), status, detail, code, instance };
}

function answer(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
  type = 'application/json; charset=utf-8',
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
