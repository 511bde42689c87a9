import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { bufferedRequest } from './buffered-exchange.js';

describe('bufferedRequest', () => {
  let server: Server;
  let pool: Pool;
  // Multi-byte characters written in pieces whose boundaries split them.
  const big = JSON.stringify({ text: 'Grüße 温度 '.repeat(20_000) });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        const bytes = Buffer.from(big);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
        for (let at = 0; at < bytes.length; at += 7_001) res.write(bytes.subarray(at, at + 7_001));
        res.end();
      } else if (req.url === '/hints') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        res.writeHead(201, { 'x-answer': 'final' }).end('ok');
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial', () => res.socket?.destroy());
      } else {
        res.writeHead(204).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 2 });
  });

  afterAll(async () => {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gathers a body that arrives in many chunks, multi-byte characters intact', async () => {
    const response = await bufferedRequest(pool, { method: 'GET', path: '/big' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body.toString('utf8')).toBe(big);
  });

  it('answers with the final status after 1xx interim answers', async () => {
    const response = await bufferedRequest(pool, { method: 'GET', path: '/hints' });
    expect(response.statusCode).toBe(201);
    expect(response.headers['x-answer']).toBe('final');
    expect(response.body.toString()).toBe('ok');
  });

  it('gives an empty buffer for an answer without a body', async () => {
    const response = await bufferedRequest(pool, { method: 'GET', path: '/none' });
    expect(response.statusCode).toBe(204);
    expect(response.body.length).toBe(0);
  });

  it('rejects when the connection breaks in the middle of the body', async () => {
    await expect(bufferedRequest(pool, { method: 'GET', path: '/cut' })).rejects.toThrow();
  });

  it('rejects options undici refuses instead of throwing', async () => {
    await expect(bufferedRequest(pool, { method: 'GET', path: 'no-leading-slash' })).rejects.toThrow();
  });
});
