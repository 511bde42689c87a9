import { LatticeError } from './lattice.error.js';

/** An RFC 9457 problem details object, with Lattice's stable `code` extension. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/** The media type of {@link ProblemDetails} bodies. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'code', 'instance']);

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The reason phrase for an HTTP status, as a problem title. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/**
 * Maps any thrown value to problem details that are safe to send to a caller: a
 * {@link LatticeError} keeps its code, status, message and data; anything else becomes a
 * generic 500 `INTERNAL` so stack traces and internal messages never leave the process.
 *
 * @example
 * ```ts
 * res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(toProblem(err, req.url));
 * ```
 */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (LatticeError.isLatticeError(error)) {
    const extensions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error.data)) {
      if (!RESERVED.has(key)) extensions[key] = value;
    }
    return {
      type: `urn:lattice:error:${error.code.toLowerCase()}`,
      title: statusTitle(error.status),
      status: error.status,
      detail: error.message,
      code: error.code,
      ...(instance === undefined ? {} : { instance }),
      ...extensions,
    };
  }
  return {
    type: 'urn:lattice:error:internal',
    title: statusTitle(500),
    status: 500,
    detail: 'The server failed to handle the request; it was logged with its trace id.',
    code: 'INTERNAL',
    ...(instance === undefined ? {} : { instance }),
  };
}
