import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** A whole HTTP answer: status, headers and the body as one buffer. */
export interface BufferedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * One request through undici's `dispatch()` with a raw handler that gathers the answer into a
 * buffer. A declarative client always reads the whole (small, JSON) body before it decodes it,
 * so `request()`'s body stream, with its readable state and promise per consumer, is work
 * that buys nothing here. undici's own `headersTimeout`/`bodyTimeout` still apply.
 */
class BufferedExchange implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private first: Buffer | undefined;
  private rest: Buffer[] | undefined;
  private size = 0;

  constructor(
    private readonly resolve: (response: BufferedResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onRequestStart(): void {
    // nothing to keep: the exchange is never paused or aborted from outside
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx interim answers are followed by the final one on the same exchange.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.first === undefined) this.first = chunk;
    else (this.rest ??= [this.first]).push(chunk);
  }

  onResponseEnd(): void {
    const body = this.rest !== undefined ? Buffer.concat(this.rest, this.size) : (this.first ?? EMPTY);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.reject(error);
  }
}

/** Sends a request and resolves with the whole answer; rejects on connection errors and undici's timeouts. */
export function bufferedRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    try {
      dispatcher.dispatch(options, new BufferedExchange(resolve, reject));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
