import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, startGateway, startUpstream, type TestGateway, type TestUpstream } from './gateway-harness.js';

interface Op {
  requestBody?: { content: Record<string, { example?: unknown }> };
  'x-request-example'?: unknown;
  responses: Record<
    string,
    { content?: Record<string, { example?: unknown; examples?: Record<string, { value: { code: string } }> }> }
  >;
}

describe('OpenAPI docs', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startGateway(upstream);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('serves OpenAPI 3.1 covering the public API, every operation with examples and error codes', async () => {
    const res = await call(`${gw.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Op>> };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.id).sort()).toEqual(
      [
        'POST /api/v1/hubs',
        'GET /api/v1/homes/{homeId}/devices',
        'GET /api/v1/devices/{deviceId}',
        'POST /api/v1/devices/{deviceId}/commands',
        'PATCH /api/v1/devices/{deviceId}/shadow',
        'GET /api/v1/rules',
        'POST /api/v1/rules',
        'GET /api/v1/rules/{ruleId}',
        'PUT /api/v1/rules/{ruleId}',
        'DELETE /api/v1/rules/{ruleId}',
        'GET /api/v1/rules/{ruleId}/runs',
        'POST /api/v1/push/messages',
        'POST /api/v1/push/messages/batch',
        'GET /api/v1/push/ws',
      ].sort(),
    );
    for (const { id, op } of operations) {
      const request = op.requestBody?.content['application/json']?.example ?? op['x-request-example'];
      expect([id, request !== undefined]).toEqual([id, true]);
      const statuses = Object.keys(op.responses).map(Number);
      const success = statuses.filter((s) => s < 400);
      expect([id, success.length]).toEqual([id, 1]);
      const ok = op.responses[String(success[0])]!;
      if (success[0] !== 204) expect([id, ok.content?.['application/json']?.example !== undefined]).toEqual([id, true]);
      const errors = statuses.filter((s) => s >= 400);
      expect([id, errors.length > 0]).toEqual([id, true]);
      for (const status of errors) {
        const examples = op.responses[String(status)]!.content?.['application/problem+json']?.examples ?? {};
        expect(Object.values(examples).every((e) => typeof e.value.code === 'string')).toBe(true);
        expect(Object.keys(examples).length).toBeGreaterThan(0);
      }
    }
    const page = await call(`${gw.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/docs/openapi.json');
  });
});
