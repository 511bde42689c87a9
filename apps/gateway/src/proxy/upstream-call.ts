import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { LightSignal } from './light-signal.js';

/** What the gateway discards of a response it does not forward before it drops the connection instead. */
const DUMP_LIMIT_BYTES = 131_072;
/** What the gateway keeps of a body that arrives before it knows where the body goes. */
const PENDING_LIMIT_BYTES = 65_536;

/** The client went away while its upstream exchange was running. */
class UpstreamCallAbortedError extends Error {
  constructor() {
    super('upstream exchange cancelled: the client went away');
    this.name = 'UpstreamCallAbortedError';
  }
}

/**
 * One upstream exchange driven through undici's `dispatch()` with a raw handler: no body
 * stream, no promise per chunk, no parsed-then-copied headers. The promise of {@link start}
 * resolves when the response headers arrive; the body then either streams into the client's
 * response ({@link forwardTo}, with backpressure both ways) or is discarded ({@link dump}).
 * Chunks that arrive in between (the parser delivers a small response's headers and body in
 * one read) wait in a short list. A client that goes away cancels the exchange.
 *
 * @example
 * ```ts
 * const call = await UpstreamCall.start(agent, { origin, path, method: 'GET', headers }, signal);
 * if (call.statusCode >= 500) call.dump();
 * else call.forwardTo(res, call.statusCode, headersFor(call.headers));
 * ```
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  private controller: Dispatcher.DispatchController | undefined;
  private resolveHeaders: ((call: UpstreamCall) => void) | undefined;
  private rejectHeaders: ((error: unknown) => void) | undefined;
  /** Chunks received before the body had somewhere to go. */
  private pending: Buffer[] | undefined;
  private pendingBytes = 0;
  private sink: ServerResponse | undefined;
  private discarding = false;
  private discarded = 0;
  private ended = false;
  private failure: Error | undefined;
  private readonly onAbort = (): void => this.cancel();
  /** Made only for bodies that outlive the first read (most small bodies never need it). */
  private onDrain: (() => void) | undefined;

  private constructor(private readonly signal: LightSignal) {}

  /** Dispatches a request; resolves on the response headers, rejects if there are none (error, timeout, cancel). */
  static start(
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    signal: LightSignal,
  ): Promise<UpstreamCall> {
    const call = new UpstreamCall(signal);
    if (signal.aborted) return Promise.reject(new UpstreamCallAbortedError());
    const headersArrived = new Promise<UpstreamCall>((resolve, reject) => {
      call.resolveHeaders = resolve;
      call.rejectHeaders = reject;
    });
    signal.addEventListener('abort', call.onAbort);
    dispatcher.dispatch(options, call);
    return headersArrived;
  }

  /** True once the whole body has arrived. */
  get complete(): boolean {
    return this.ended;
  }

  /** Sends the response head, then streams the body into `res` (also what arrived already). */
  forwardTo(res: ServerResponse, statusCode: number, headers: Record<string, string | string[]>): void {
    if (res.destroyed) {
      this.cancel();
      return;
    }
    res.writeHead(statusCode, headers);
    if (this.failure !== undefined) {
      res.destroy();
      return;
    }
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) for (const chunk of pending) res.write(chunk);
    if (this.ended) {
      res.end();
      return;
    }
    this.sink = res;
    this.onDrain = (): void => this.controller?.resume();
    res.on('drain', this.onDrain);
    // Respect the client's pace from the start: the parser waits while the socket is full.
    if (res.writableNeedDrain) this.controller?.pause();
    else this.controller?.resume();
  }

  /** Discards the body (a response the gateway does not forward) so the connection stays reusable. */
  dump(): void {
    this.pending = undefined;
    this.discarding = true;
    if (!this.ended) this.controller?.resume();
  }

  /** Cancels the exchange (the client went away, or the gateway answers otherwise). */
  cancel(): void {
    if (this.ended || this.failure !== undefined) return;
    const error = new UpstreamCallAbortedError();
    if (this.controller !== undefined) this.controller.abort(error);
    else this.failure = error; // queued in the pool: aborted as soon as undici starts it
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.failure !== undefined || this.signal.aborted)
      controller.abort(this.failure ?? new UpstreamCallAbortedError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx interim answers are not forwarded; the final answer follows on the same exchange.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
    const resolve = this.resolveHeaders;
    this.resolveHeaders = this.rejectHeaders = undefined;
    resolve?.(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.sink;
    if (sink !== undefined) {
      if (!sink.write(chunk)) controller.pause();
      return;
    }
    if (this.discarding) {
      this.discarded += chunk.length;
      if (this.discarded > DUMP_LIMIT_BYTES) controller.abort(new UpstreamCallAbortedError());
      return;
    }
    // The body has nowhere to go yet (the gateway decides between forward and dump in the same
    // tick, but a large read may come first): keep a bounded amount, then let the parser wait.
    (this.pending ??= []).push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > PENDING_LIMIT_BYTES) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.signal.removeEventListener('abort', this.onAbort);
    const sink = this.sink;
    if (sink !== undefined) {
      if (this.onDrain !== undefined) sink.off('drain', this.onDrain);
      sink.end();
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.failure = error;
    this.signal.removeEventListener('abort', this.onAbort);
    this.pending = undefined;
    const reject = this.rejectHeaders;
    this.resolveHeaders = this.rejectHeaders = undefined;
    if (reject !== undefined) {
      reject(error);
      return;
    }
    const sink = this.sink;
    if (sink !== undefined) {
      if (this.onDrain !== undefined) sink.off('drain', this.onDrain);
      sink.destroy();
    }
  }
}
