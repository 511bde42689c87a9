import { describe, expect, it } from '@jest/globals';
import type { WebSocket } from 'ws';
import type { PushMessage } from '../push.interfaces.js';
import type { StreamEntry } from '../stores/push-store.interfaces.js';
import { LiveSession, MAX_IN_FLIGHT, type SessionHost } from './live-session.js';

type Read = Awaited<ReturnType<SessionHost['read']>>;

const message = (id: string): PushMessage => ({
  id,
  title: 't',
  body: 'b',
  data: {},
  priority: 'normal',
  ttlSeconds: 60,
  sender: 'user:a',
  acceptedAtMs: 1_000,
  expiresAtMs: 61_000,
});
const entry = (offset: number): StreamEntry => ({ offset, message: message(`m${offset}`) });

/**
 * A session on a socket that records frames (and the write callbacks it was given, called at
 * once unless `socket.holdWrites`), and a store whose reads the test answers.
 */
function session() {
  const frames: Record<string, unknown>[] = [];
  const reads: { after: number; answer: (read: Read) => void }[] = [];
  const delivered: string[] = [];
  const acknowledged: string[] = [];
  const socket = {
    bufferedAmount: 0,
    /** What bufferedAmount becomes after a send (a frame the kernel did not take whole). */
    bufferedAfterSend: 0,
    holdWrites: false,
    callbacks: [] as { kind: 'send' | 'ping'; cb: () => void }[],
  };
  const written = (kind: 'send' | 'ping', cb?: () => void) => {
    if (cb === undefined) return;
    if (socket.holdWrites) socket.callbacks.push({ kind, cb });
    else cb();
  };
  const ws = {
    readyState: 1,
    OPEN: 1,
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send: (data: string, cb?: () => void) => {
      frames.push(JSON.parse(data) as Record<string, unknown>);
      socket.bufferedAmount += socket.bufferedAfterSend;
      written('send', cb);
    },
    ping: (_data: unknown, _mask: unknown, cb?: () => void) => written('ping', cb),
    close: () => undefined,
  } as unknown as WebSocket;
  const host: SessionHost = {
    read: (_user, after) => new Promise((answer) => reads.push({ after, answer })),
    delivered: (_session, m) => void delivered.push(m.id),
    frameTail: (m) => JSON.stringify({ id: m.id }).slice(1),
    acknowledged: (_session, ids) => void acknowledged.push(...ids),
    nowMs: () => 2_000,
    maxBufferedBytes: 1 << 20,
  };
  const live = new LiveSession(ws, 'u1', 'phone', host);
  const sent = () => frames.map((f) => (f['type'] === 'message' ? f['offset'] : f['type']));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  /** Answers the store read number `n` once the session has asked for it. */
  const answer = async (n: number, read: Read) => {
    await settle();
    reads[n]!.answer(read);
    await settle();
  };
  return {
    live,
    ws: ws as unknown as { readyState: number },
    reads,
    sent,
    settle,
    answer,
    socket,
    delivered,
    acknowledged,
  };
}

describe('LiveSession', () => {
  it('sends the next offset at once when nothing is queued before it', async () => {
    const { live, sent, answer } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    live.notify(1, 'e1', message('m1'));
    live.notify(2, 'e1', message('m2'));
    expect(sent()).toEqual(['welcome', 1, 2]);
  });

  it('holds notices back while a replay runs, then sends them in offset order', async () => {
    const { live, sent, settle, answer } = session();
    live.start(0, 'e1');
    live.notify(3, 'e1', message('m3'));
    await settle();
    expect(sent()).toEqual([]);
    await answer(0, { epoch: 'e1', headOffset: 2, entries: [entry(1), entry(2)] });
    expect(sent()).toEqual(['welcome', 1, 2, 3]);
    // A notice seen already (as a replica's own and then again) sends nothing twice.
    live.notify(3, 'e1', message('m3'));
    live.notify(4, 'e1', message('m4'));
    expect(sent()).toEqual(['welcome', 1, 2, 3, 4]);
  });

  it('stops reading a long backlog once its socket is closing', async () => {
    const { live, ws, reads, sent, answer } = session();
    live.start(0, 'e1');
    await answer(0, { epoch: 'e1', headOffset: 6, entries: [entry(1), entry(2)] });
    expect(reads[1]?.after).toBe(2); // the next page
    await answer(1, { epoch: 'e1', headOffset: 6, entries: [entry(3), entry(4)] });
    expect(sent()).toEqual(['welcome', 1, 2, 3, 4]);
    expect(reads).toHaveLength(3);
    ws.readyState = 2; // CLOSING (drain closed it with 1001)
    await answer(2, { epoch: 'e1', headOffset: 6, entries: [entry(5)] });
    expect(reads).toHaveLength(3);
    expect(sent()).toEqual(['welcome', 1, 2, 3, 4]);
  });

  it('reads a gap from the store before the notice after it', async () => {
    const { live, reads, sent, settle, answer } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    live.notify(3, 'e1', message('m3'));
    live.notify(4, 'e1', message('m4'));
    await settle();
    expect(reads[1]?.after).toBe(0);
    expect(sent()).toEqual(['welcome']);
    await answer(1, { epoch: 'e1', headOffset: 3, entries: [entry(1), entry(2), entry(3)] });
    expect(sent()).toEqual(['welcome', 1, 2, 3, 4]);
  });

  it('reports a reset for a notice of another epoch', async () => {
    const { live, sent, answer } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    live.notify(1, 'e2', message('m1'));
    await answer(1, { epoch: 'e2', headOffset: 1, entries: [] });
    live.notify(2, 'e2', message('m2'));
    expect(sent()).toEqual(['welcome', 'reset', 2]);
  });

  it('records a frame the socket took whole at once, and a waiting one once it has left', async () => {
    const { live, sent, answer, socket, delivered } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    live.notify(1, 'e1', message('m1'));
    expect(delivered).toEqual(['m1']);
    // Only part of m2 fits in the kernel: a ping behind it reports when the rest has left.
    socket.holdWrites = true;
    socket.bufferedAfterSend = 100;
    live.notify(2, 'e1', message('m2'));
    // m3 waits behind m2 in the socket's buffer: its write callback reports it.
    live.notify(3, 'e1', message('m3'));
    expect(sent()).toEqual(['welcome', 1, 2, 3]);
    expect(delivered).toEqual(['m1']);
    expect(socket.callbacks.map((c) => c.kind)).toEqual(['ping', 'send']);
    for (const { cb } of socket.callbacks) cb();
    expect(delivered).toEqual(['m1', 'm2', 'm3']);
  });

  it('acknowledges cumulatively, and keeps only the newest unacknowledged messages', async () => {
    const { live, answer, acknowledged } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    for (let offset = 1; offset <= 3; offset++) live.notify(offset, 'e1', message(`m${offset}`));
    live.ack(2);
    expect(acknowledged).toEqual(['m1', 'm2']);
    live.ack(2); // nothing new
    expect(acknowledged).toEqual(['m1', 'm2']);
    expect(live.unacknowledged).toBe(1);
    // A device that never acknowledges costs at most MAX_IN_FLIGHT entries; older ones are forgotten.
    const last = 3 + MAX_IN_FLIGHT + 40;
    for (let offset = 4; offset <= last; offset++) live.notify(offset, 'e1', message(`m${offset}`));
    expect(live.unacknowledged).toBe(MAX_IN_FLIGHT);
    live.ack(last - 1);
    expect(acknowledged.slice(2)).toEqual(
      Array.from({ length: MAX_IN_FLIGHT - 1 }, (_, i) => `m${last - MAX_IN_FLIGHT + 1 + i}`),
    );
    expect(live.unacknowledged).toBe(1);
  });

  it('forgets the unacknowledged messages of an epoch that was reset', async () => {
    const { live, sent, answer, acknowledged } = session();
    live.start(undefined, undefined);
    await answer(0, { epoch: 'e1', headOffset: 0, entries: [] });
    live.notify(1, 'e1', message('m1'));
    live.notify(2, 'e1', message('m2'));
    live.notify(1, 'e2', message('n1'));
    await answer(1, { epoch: 'e2', headOffset: 1, entries: [] });
    expect(sent()).toEqual(['welcome', 1, 2, 'reset']);
    expect(live.unacknowledged).toBe(0);
    // Offset 2 of the new stream is not m2 of the old one.
    live.notify(2, 'e2', message('n2'));
    live.ack(2);
    expect(acknowledged).toEqual(['n2']);
  });
});
