import { request, type IncomingMessage, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { admin, eventually, identity, LiveClient, startPush, type TestPush } from './support/push-harness.js';

interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A POST with full control of the headers and of when the body is sent. */
function post(
  push: TestPush,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): { answer: Promise<RawAnswer>; sendRest: () => void; sendStart: () => void } {
  const url = new URL(path, push.url);
  const req = request(url, {
    method: 'POST',
    headers: { ...headers, 'content-length': String(body.length) },
  });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        });
      });
    });
  });
  const half = Math.floor(body.length / 2);
  return {
    answer,
    sendStart: () => void req.write(body.subarray(0, half)),
    sendRest: () => req.end(body.subarray(half)),
  };
}

function send(push: TestPush, path: string, headers: Record<string, string>, body: Buffer): Promise<RawAnswer> {
  const call = post(push, path, headers, body);
  call.sendStart();
  call.sendRest();
  return call.answer;
}

const json = { 'content-type': 'application/json' };
const message = (user: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ title: 't', body: 'b', target: { users: [user] }, ...extra }));

describe('push: the accept routes, served ahead of Nest', () => {
  let push: TestPush;

  beforeAll(async () => {
    push = await startPush({
      env: { LATTICE_PUSH__SERVER__MAX_BODY_BYTES: '4096' },
      push: { limits: { perSenderQps: 1000 }, fallback: { enabled: false } },
    });
  });
  afterAll(async () => {
    await push?.stop();
  });

  it('answers JSON requests itself and leaves others to the controller, with the same answer', async () => {
    const client = await LiveClient.connect(push, identity('ep-user'));
    await client.until((f) => f.length > 0);
    const front = await send(push, '/push/messages', { ...admin(), ...json }, message('ep-user', { id: 'ep-front' }));
    // A gzip body is for Express's body parser: the request goes through Nest and the controller.
    const nest = await send(
      push,
      '/push/messages',
      { ...admin(), ...json, 'content-encoding': 'gzip' },
      gzipSync(message('ep-user', { id: 'ep-nest' })),
    );
    expect(front.headers['x-powered-by']).toBeUndefined();
    expect(nest.headers['x-powered-by']).toBe('Express');
    for (const [answer, id] of [
      [front, 'ep-front'],
      [nest, 'ep-nest'],
    ] as const) {
      expect(answer.status).toBe(202);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['location']).toBe(`/push/messages/${id}`);
      expect(Object.keys(answer.body).sort()).toEqual(['acceptedAtMs', 'duplicate', 'expiresAtMs', 'id', 'recipients']);
      expect(answer.body).toMatchObject({ id, duplicate: false, recipients: 1 });
    }
    await client.untilMessages(2);
    expect(client.messages.map((m) => m['id'])).toEqual(['ep-front', 'ep-nest']);
    await client.close();

    const batch = await send(
      push,
      '/push/messages/batch?from=test',
      { ...admin(), 'content-type': 'application/json; charset=UTF-8' },
      Buffer.from(JSON.stringify({ messages: [JSON.parse(message('ep-user', { id: 'ep-front' }).toString())] })),
    );
    expect(batch.status).toBe(202);
    expect(batch.headers['x-powered-by']).toBeUndefined();
    expect(batch.body['messages']).toEqual([expect.objectContaining({ id: 'ep-front', duplicate: true })]);
  });

  it('keeps the identity check and answers every error as problem+json', async () => {
    const forged = { ...identity('alice'), 'x-lattice-user': 'bob', ...json };
    const cases: [Record<string, string>, Buffer, number, string][] = [
      [forged, message('bob'), 401, 'PUSH_UNAUTHENTICATED'],
      [{ ...identity('alice'), ...json }, message('bob'), 403, 'PUSH_FORBIDDEN_TARGET'],
      [{ ...admin(), ...json }, Buffer.from('{"title":'), 400, 'MALFORMED_BODY'],
      [{ ...admin(), ...json }, Buffer.from('"just a string"'), 400, 'MALFORMED_BODY'],
      [{ ...admin(), ...json }, Buffer.from('{"body":3}'), 400, 'PUSH_INVALID_MESSAGE'],
      [{ ...admin(), ...json }, message('x', { data: { pad: 'x'.repeat(5000) } }), 413, 'CONTENT_TOO_LARGE'],
    ];
    for (const [headers, body, status, code] of cases) {
      const answer = await send(push, '/push/messages', headers, body);
      expect([answer.status, answer.body['code']]).toEqual([status, code]);
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(answer.body).toMatchObject({ status, instance: '/push/messages' });
    }
    const empty = await send(push, '/push/messages', { ...admin(), ...json }, Buffer.alloc(0));
    expect(empty.body['problems']).toEqual(expect.arrayContaining([expect.stringMatching(/^title:/)]));
  });

  it('records the request metric under the route template', async () => {
    await send(push, '/push/messages?x=1', { ...admin(), ...json }, message('ep-metric'));
    const metrics = await fetch(`${push.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{method="POST",route="\/push\/messages",status_code="202"\} \d+/,
    );
    expect(metrics).toMatch(/route="\/push\/messages",status_code="413"/);
  });
});

describe('push: the accept routes with tracing on', () => {
  it('accepts when every request gets a span (telemetry.tracing: always)', async () => {
    const push = await startPush({ env: { LATTICE_PUSH__TELEMETRY__TRACING: 'always' } });
    try {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const answer = await send(push, '/push/messages', { ...admin(), ...json, traceparent }, message('span-user'));
      expect(answer.status).toBe(202);
      expect(answer.headers['x-powered-by']).toBeUndefined();
    } finally {
      await push.stop();
    }
  });
});

describe('push: shutting down with an accept in flight', () => {
  it('answers it before the instance stops: boot drains requests served ahead of Nest too', async () => {
    const push = await startPush({ push: { fallback: { enabled: false } } });
    const server = push.app.nest.getHttpServer() as Server;
    let arrived = 0;
    server.on('request', () => arrived++);
    const inFlight = post(push, '/push/messages', { ...admin(), ...json }, message('drain-user', { id: 'drain-1' }));
    inFlight.sendStart();
    await eventually(() => arrived === 1);
    const stopping = push.stop();
    expect(push.app.state).toBe('draining');
    // Boot's drain (the listener closed) waits for the request still being read instead of cutting it.
    await eventually(() => !server.listening);
    inFlight.sendRest();
    const answer = await inFlight.answer;
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ id: 'drain-1', duplicate: false });
    expect(answer.headers['connection']).toBe('close');
    await stopping;
  });
});
