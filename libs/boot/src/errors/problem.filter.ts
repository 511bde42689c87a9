import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { LatticeError, PROBLEM_CONTENT_TYPE, statusTitle, toProblem, type ProblemDetails } from '@lattice/core';
import type { Logger } from '@lattice/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Every error that reaches the HTTP edge leaves as RFC 9457 problem+json with a stable
 * `code`. Unknown errors become a bare 500 (logged with their stack and trace id, never
 * sent to the caller).
 */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<IncomingMessage>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const instance = req.url?.split('?')[0];
    const problem = this.toProblem(exception, instance);
    if (problem.status >= 500) {
      this.log.error({ err: exception, path: instance, code: problem.code }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = problem.status;
    res.setHeader('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    res.end(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, instance: string | undefined): ProblemDetails {
    if (LatticeError.isLatticeError(exception)) return toProblem(exception, instance);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
      return {
        type: `urn:lattice:error:http-${status}`,
        title: statusTitle(status),
        status,
        detail: Array.isArray(message)
          ? message.join('; ')
          : typeof message === 'string'
            ? message
            : statusTitle(status),
        code: isParseFailure(exception.cause) ? 'MALFORMED_BODY' : codeForStatus(status),
        ...(instance === undefined ? {} : { instance }),
        ...(Array.isArray(message) ? { errors: message } : {}),
      };
    }
    // Errors raised by body parsing (http-errors) carry a safe status and message.
    const httpError = exception as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
    if (
      typeof httpError.status === 'number' &&
      httpError.status >= 400 &&
      httpError.status < 500 &&
      httpError.expose === true
    ) {
      return {
        type: `urn:lattice:error:http-${httpError.status}`,
        title: statusTitle(httpError.status),
        status: httpError.status,
        detail: typeof httpError.message === 'string' ? httpError.message : statusTitle(httpError.status),
        code: isParseFailure(httpError) ? 'MALFORMED_BODY' : codeForStatus(httpError.status),
        ...(instance === undefined ? {} : { instance }),
      };
    }
    return toProblem(exception, instance);
  }
}

/** body-parser marks unparseable bodies with this type (Nest wraps it in a BadRequestException). */
function isParseFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'entity.parse.failed';
}

function codeForStatus(status: number): string {
  return statusTitle(status)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
}
