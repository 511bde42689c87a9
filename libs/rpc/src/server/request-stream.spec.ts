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
});
