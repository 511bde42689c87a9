import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Body,
  Controller,
  Delete,
  Get,
  Head,
  HttpCode,
  Module,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LatticeError, PROBLEM_CONTENT_TYPE, toProblem } from '@lattice/core';

interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}
interface RawResponse {
  status(code: number): RawResponse;
  type(type: string): RawResponse;
  send(body: unknown): void;
}

/** What the test server saw of a request. */
export interface Seen {
  instance: string;
  id?: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

function seen(instance: string, req: RawRequest, extra: Partial<Seen> = {}): Seen {
  return { instance, query: req.query, headers: req.headers, ...extra };
}

/** A real Nest HTTP server for the Feign tests: every parameter kind and every error kind. */
export async function startDevicesApp(instance: string): Promise<{ app: INestApplication; port: number }> {
  const attempts = new Map<string, number>();

  @Controller('v1')
  class DevicesController {
    @Get('devices/:id')
    get(@Param('id') id: string, @Req() req: RawRequest): Seen {
      return seen(instance, req, { id });
    }

    @Post('devices')
    create(@Body() body: unknown, @Req() req: RawRequest): Seen {
      return seen(instance, req, { body });
    }

    @Put('devices/:id')
    replace(@Param('id') id: string, @Body() body: unknown, @Req() req: RawRequest): Seen {
      return seen(instance, req, { id, body });
    }

    @Patch('devices/:id')
    patch(@Param('id') id: string, @Body() body: unknown, @Req() req: RawRequest): Seen {
      return seen(instance, req, { id, body });
    }

    @Delete('devices/:id')
    @HttpCode(204)
    remove(): void {}

    @Head('devices/:id')
    exists(): void {}

    @Get('text')
    text(@Res() res: RawResponse): void {
      res.status(200).type('text/plain').send(`plain from ${instance}`);
    }

    @Get('problem/:status')
    problem(@Param('status') status: string, @Res() res: RawResponse): void {
      const error = new LatticeError(`TEST_${status}`, `problem ${status}`, { status: Number(status) });
      res
        .status(Number(status))
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify(toProblem(error, '/v1/problem')));
    }

    @Get('plain-error')
    plainError(@Res() res: RawResponse): void {
      res.status(500).type('text/plain').send('boom');
    }

    @Get('malformed')
    malformed(@Res() res: RawResponse): void {
      res.status(200).type('application/json').send('{not json');
    }

    @Get('slow')
    async slow(@Query('ms') ms: string): Promise<{ instance: string }> {
      await new Promise((r) => setTimeout(r, Number(ms)));
      return { instance };
    }

    // Fails with 503 `fails` times per key, then answers.
    @Get('flaky/:key')
    flakyGet(@Param('key') key: string, @Query('fails') fails: string, @Res() res: RawResponse): void {
      this.flaky(key, Number(fails), res);
    }

    @Post('flaky/:key')
    flakyPost(@Param('key') key: string, @Query('fails') fails: string, @Res() res: RawResponse): void {
      this.flaky(key, Number(fails), res);
    }

    private flaky(key: string, fails: number, res: RawResponse): void {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (n <= fails) res.status(503).type('text/plain').send(`attempt ${n} fails`);
      else
        res
          .status(200)
          .type('application/json')
          .send(JSON.stringify({ instance, attempts: n }));
    }
  }

  @Module({ controllers: [DevicesController] })
  class DevicesModule {}

  const app = await NestFactory.create(DevicesModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, port: port.port };
}

/** A bare HTTP server answering every request with 500 (a broken instance). */
export async function startBroken(): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(500, { 'content-type': 'text/plain' }).end('broken');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
