import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { RequestStream } from './request-stream.js';

/** A Readable in object mode that the test pushes into, as grpc-js pushes request messages. */
function source(): Readable {
  return new Readable({ objectMode: true, read: () => undefined });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('RequestStream', () => {
  it('yields messages in order, those queued before the first pull and those arriving later', async () => {
    const readable = source();
    const requests = new RequestStream<number>(readable);
    readable.push(1);
    readable.push(2);
    const all = collect(requests);
    await new Promise((resolve) => setImmediate(resolve));
    readable.push(3);
    readable.push(null);
    expect(await all).toEqual([1, 2, 3]);
  });

  it('pauses the call while its queue is full and reads again once the handler catches up', async () => {
    const readable = source();
    const requests = new RequestStream<number>(readable);
    for (let i = 0; i < 40; i++) readable.push(i);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readable.isPaused()).toBe(true);
    const taken: number[] = [];
    for (let i = 0; i < 40; i++) {
      const next = await requests.next();
      taken.push(next.value as number);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(taken).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(readable.isPaused()).toBe(false);
    readable.push(null);
    expect(await requests.next()).toEqual({ value: undefined, done: true });
  });

  it('gives the messages read before an error, then the error', async () => {
    const readable = source();
    const requests = new RequestStream<string>(readable);
    readable.push('a');
    await new Promise((resolve) => setImmediate(resolve));
    readable.destroy(new Error('boom'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await requests.next()).toEqual({ value: 'a', done: false });
    await expect(requests.next()).rejects.toThrow('boom');
  });

  it('fails a pending pull when the call closes before its requests ended (cancelled)', async () => {
    const readable = source();
    const requests = new RequestStream<string>(readable);
    const pending = requests.next();
    readable.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('stops reading without destroying the call when the handler stops iterating', async () => {
    const readable = source();
    const requests = new RequestStream<number>(readable);
    readable.push(1);
    readable.push(2);
    for await (const first of requests) {
      expect(first).toBe(1);
      break;
    }
    expect(readable.destroyed).toBe(false);
    expect(readable.isPaused()).toBe(true);
    expect(await requests.next()).toEqual({ value: undefined, done: true });
  });

  it('calls back with each message in order, holding the next ones while a returned promise is pending', async () => {
    const readable = source();
    const requests = new RequestStream<number>(readable);
    readable.push(1);
    const seen: number[] = [];
    let release: () => void = () => undefined;
    const done = requests.forEach((n) => {
      seen.push(n);
      if (n === 2) return new Promise<void>((resolve) => (release = resolve));
      return undefined;
    });
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 2; i < 40; i++) readable.push(i);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2]); // 3.. wait for the promise of 2
    expect(readable.isPaused()).toBe(true); // and the call stopped reading meanwhile
    release();
    await new Promise((resolve) => setImmediate(resolve));
    readable.push(null);
    await done;
    expect(seen).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
  });

  it('rejects forEach when the call fails or the handler throws, and stops on return()', async () => {
    const failing = source();
    const failed = new RequestStream<number>(failing).forEach(() => undefined);
    failing.destroy(new Error('reset'));
    await expect(failed).rejects.toThrow('reset');

    const throwing = source();
    const thrown = new RequestStream<number>(throwing).forEach(() => {
      throw new Error('bad frame');
    });
    throwing.push(1);
    await expect(thrown).rejects.toThrow('bad frame');
    expect(throwing.destroyed).toBe(false);

    const stopped = source();
    const requests = new RequestStream<number>(stopped);
    const seen: number[] = [];
    const done = requests.forEach((n) => {
      seen.push(n);
      if (n === 1) void requests.return();
    });
    stopped.push(1);
    stopped.push(2);
    await done;
    expect(seen).toEqual([1]);
    expect(stopped.destroyed).toBe(false);
  });

  it('is read once: forEach after iteration, and iteration after forEach, are refused', async () => {
    const iterated = source();
    const first = new RequestStream<number>(iterated);
    iterated.push(1);
    expect(await first.next()).toEqual({ value: 1, done: false });
    await expect(first.forEach(() => undefined)).rejects.toThrow('read once');

    const called = source();
    const second = new RequestStream<number>(called);
    void second.forEach(() => undefined);
    await expect(second.next()).rejects.toThrow('read once');
    await expect(second.forEach(() => undefined)).rejects.toThrow('read once');
  });
});
