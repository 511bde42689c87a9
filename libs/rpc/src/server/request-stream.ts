import type { Readable } from 'node:stream';

/** Messages queued before the call is paused; HTTP/2 flow control then holds the sender. */
const HIGH_WATER = 16;
/** Queue length at which a paused call reads again. */
const LOW_WATER = 4;

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: Error): void };

/**
 * The request messages of a client- or bidi-streaming call, as the handler's async iterable.
 * It reads the call's 'data' events into a short queue, so a message costs one settled
 * promise: a Readable's own async iterator runs a generator and several promises per
 * message, which shows at tens of thousands of messages per second over long-lived streams.
 * Stopping the iteration early pauses the call but never destroys it (its response side may
 * still be in use); a call that closes before its request side ended (cancelled, reset)
 * fails the iteration once the messages read before are taken.
 *
 * @example
 * ```ts
 * const requests = new RequestStream<Req>(call);
 * for await (const request of requests) handle(request);
 * ```
 */
export class RequestStream<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private head = 0;
  private ended = false;
  private failure: Error | undefined;
  private paused = false;
  private waiter: Waiter<T> | undefined;

  constructor(private readonly readable: Readable) {
    readable.on('data', this.onData);
    readable.once('end', this.onEnd);
    readable.on('error', this.onError);
    readable.once('close', this.onClose);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise<IteratorResult<T>>((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The handler stopped iterating: drop what is queued and stop reading (the call stays open). */
  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.readable.removeListener('data', this.onData);
    this.readable.pause();
    return Promise.resolve({ value: undefined, done: true });
  }

  private take(): T {
    const value = this.queue[this.head] as T;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= LOW_WATER) {
      this.paused = false;
      this.readable.resume();
    }
    return value;
  }

  private readonly onData = (message: T): void => {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: message, done: false });
      return;
    }
    this.queue.push(message);
    if (!this.paused && this.queue.length - this.head >= HIGH_WATER) {
      this.paused = true;
      this.readable.pause();
    }
  };

  private readonly onEnd = (): void => {
    if (this.ended) return;
    this.ended = true;
    this.waiter?.resolve({ value: undefined, done: true });
    this.waiter = undefined;
  };

  private readonly onError = (error: unknown): void =>
    this.fail(error instanceof Error ? error : new Error(String(error)));

  private readonly onClose = (): void => {
    if (!this.ended) this.fail(prematureClose());
  };

  private fail(error: Error): void {
    if (this.ended) return;
    // Messages read before the failure are still taken first; the failure comes after them.
    this.ended = true;
    this.failure = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('the call closed before its request stream ended'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}
