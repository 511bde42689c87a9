import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { LightSignal } from './light-signal.js';

/** What the gateway discards of a response it does not forward before it drops the connection instead. */
const DUMP_LIMIT_BYTES = 131_072;
/** What the gateway keeps of a body that arrives before it knows where the body goes. */
const PENDING_LIMIT_BYTES = 65_536;
const NO_HEADERS: readonly Buffer[] = [];

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
 * The handler speaks undici's first handler interface (`onConnect` … `onComplete`), which
 * undici 7 still drives every request through: a handler of the newer interface is wrapped
 * per request in an adapter that allocates a controller and parses the response headers
 * into an object, and the gateway wants the raw header list, which it filters in one pass.
 *
 * @example
 * ```ts
 * const call = await UpstreamCall.start(agent, { origin, path, method: 'GET', headers }, signal);
 * if (call.statusCode >= 500) call.dump();
 * else call.forwardTo(res, call.statusCode, downstreamResponseHeaders(call.rawHeaders));
 * ```
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  statusCode = 0;
  /** The response headers as read: name, value, name, value, … */
  rawHeaders: readonly Buffer[] = NO_HEADERS;
  /** True when a route fallback answered instead of the route's upstream. */
  servedByFallback = false;
  private abortExchange: ((error: Error) => void) | undefined;
  private resumeParser: (() => void) | undefined;
  /** The parser waits (the next callback returns false) until {@link resume}. */
  private paused = false;
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
    if (this.ended) {
      // The whole (small) body is here: head and body leave in one write, now, rather than
      // through a write, a cork held until the next tick and an end.
      if (pending === undefined) res.end();
      else {
        for (let i = 0; i < pending.length - 1; i++) res.write(pending[i]);
        res.end(pending[pending.length - 1]);
      }
      return;
    }
    if (pending !== undefined) for (const chunk of pending) res.write(chunk);
    this.sink = res;
    this.onDrain = (): void => this.resume();
    res.on('drain', this.onDrain);
    // Respect the client's pace from the start: the parser waits while the socket is full.
    if (res.writableNeedDrain) this.paused = true;
    else this.resume();
  }

  /** Discards the body (a response the gateway does not forward) so the connection stays reusable. */
  dump(): void {
    this.pending = undefined;
    this.discarding = true;
    if (!this.ended) this.resume();
  }

  /** Cancels the exchange (the client went away, or the gateway answers otherwise). */
  cancel(): void {
    if (this.ended || this.failure !== undefined) return;
    const error = new UpstreamCallAbortedError();
    if (this.abortExchange !== undefined) this.abortExchange(error);
    else this.failure = error; // queued in the pool: aborted as soon as undici starts it
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeParser?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortExchange = abort;
    if (this.failure !== undefined || this.signal.aborted) abort(this.failure ?? new UpstreamCallAbortedError());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim answers are not forwarded; the final answer follows on the same exchange.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders;
    this.resumeParser = resume;
    const resolve = this.resolveHeaders;
    this.resolveHeaders = this.rejectHeaders = undefined;
    resolve?.(this);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    const sink = this.sink;
    if (sink !== undefined) {
      if (!sink.write(chunk)) this.paused = true;
      return !this.paused;
    }
    if (this.discarding) {
      this.discarded += chunk.length;
      if (this.discarded > DUMP_LIMIT_BYTES) this.abortExchange?.(new UpstreamCallAbortedError());
      return true;
    }
    // The body has nowhere to go yet (the gateway decides between forward and dump in the same
    // tick, but a large read may come first): keep a bounded amount, then let the parser wait.
    (this.pending ??= []).push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > PENDING_LIMIT_BYTES) this.paused = true;
    return !this.paused;
  }

  onComplete(): void {
    this.ended = true;
    this.signal.removeEventListener('abort', this.onAbort);
    const sink = this.sink;
    if (sink !== undefined) {
      if (this.onDrain !== undefined) sink.off('drain', this.onDrain);
      sink.end();
    }
  }

  onError(error: Error): void {
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
