import {
  Body,
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Param,
  Post,
  Query,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, statusTitle, toProblem, type ProblemDetails } from '@lattice/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigBadRequestError } from '../config.errors.js';
import type { ConfigCoordinates, NamespaceState, Release } from '../model/release.interfaces.js';
import { ConfigAdmin, type ReleaseContent, type ReleaseDiff } from './config-admin.js';

/** Every error of the admin API leaves as problem+json with its stable code. */
@Catch()
export class ConfigAdminProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<IncomingMessage>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const instance = req.url?.split('?')[0];
    let problem: ProblemDetails;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      problem = {
        type: `urn:lattice:error:http-${status}`,
        title: statusTitle(status),
        status,
        detail: exception.message,
        code: statusTitle(status)
          .toUpperCase()
          .replace(/[^A-Z0-9]+/g, '_'),
        ...(instance === undefined ? {} : { instance }),
      };
    } else {
      problem = toProblem(exception, instance);
    }
    res.statusCode = problem.status;
    res.setHeader('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    res.end(JSON.stringify(problem));
  }
}

interface ChangeBody {
  author?: unknown;
  comment?: unknown;
}

interface ContentBody extends ChangeBody {
  /** YAML or JSON text. */
  content?: unknown;
  format?: unknown;
  /** Or the properties as a JSON object. */
  properties?: unknown;
  expectedRevision?: unknown;
  targets?: unknown;
}

/** The config center's HTTP API (mounted by the gateway for the admin role). */
@Controller('config/:appId/:cluster/:namespace')
@UseFilters(ConfigAdminProblemFilter)
export class ConfigAdminController {
  constructor(private readonly admin: ConfigAdmin) {}

  @Get()
  state(@Param() at: ConfigCoordinates): Promise<NamespaceState> {
    return this.admin.state(coordinates(at));
  }

  @Get('releases')
  history(@Param() at: ConfigCoordinates, @Query('limit') limit?: string): Promise<Release[]> {
    return this.admin.history(coordinates(at), limit === undefined ? undefined : int('limit', limit));
  }

  @Get('releases/:version')
  release(@Param() at: ConfigCoordinates, @Param('version') version: string): Promise<Release> {
    return this.admin.release(coordinates(at), int('version', version));
  }

  @Get('diff')
  diff(@Param() at: ConfigCoordinates, @Query('from') from?: string, @Query('to') to?: string): Promise<ReleaseDiff> {
    if (from === undefined) throw new ConfigBadRequestError(['from: the version to compare from is required']);
    return this.admin.diff(coordinates(at), int('from', from), to === undefined ? undefined : int('to', to));
  }

  @Post('releases')
  @HttpCode(201)
  publish(@Param() at: ConfigCoordinates, @Body() body: ContentBody = {}): Promise<Release> {
    const expected = body.expectedRevision;
    if (expected !== undefined && (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 0)) {
      throw new ConfigBadRequestError(['expectedRevision: must be a non-negative integer']);
    }
    return this.admin.publish(coordinates(at), content(body), meta(body), expected);
  }

  @Post('rollback')
  @HttpCode(201)
  rollback(@Param() at: ConfigCoordinates, @Body() body: ChangeBody & { toVersion?: unknown } = {}): Promise<Release> {
    if (typeof body.toVersion !== 'number')
      throw new ConfigBadRequestError(['toVersion: the version to roll back to is required']);
    return this.admin.rollback(coordinates(at), body.toVersion, meta(body));
  }

  @Post('gray')
  @HttpCode(201)
  gray(@Param() at: ConfigCoordinates, @Body() body: ContentBody = {}): Promise<Release> {
    if (typeof body.targets !== 'object' || body.targets === null) {
      throw new ConfigBadRequestError(['targets: give { instanceIds: [...] } and/or { labels: { name: value } }']);
    }
    return this.admin.gray(coordinates(at), content(body), body.targets, meta(body));
  }

  @Post('gray/promote')
  @HttpCode(201)
  promote(@Param() at: ConfigCoordinates, @Body() body: ChangeBody = {}): Promise<Release> {
    return this.admin.promote(coordinates(at), meta(body));
  }

  @Post('gray/abandon')
  @HttpCode(200)
  abandon(@Param() at: ConfigCoordinates, @Body() body: ChangeBody = {}): Promise<Release> {
    return this.admin.abandon(coordinates(at), meta(body));
  }
}

function coordinates(params: ConfigCoordinates): ConfigCoordinates {
  return { appId: params.appId, cluster: params.cluster, namespace: params.namespace };
}

function meta(body: ChangeBody): { author: string; comment: string } {
  return { author: body.author as string, comment: (body.comment as string | undefined) ?? '' };
}

function content(body: ContentBody): ReleaseContent {
  if (body.content !== undefined) {
    if (typeof body.content !== 'string') throw new ConfigBadRequestError(['content: must be YAML or JSON text']);
    if (body.format !== undefined && body.format !== 'yaml' && body.format !== 'json') {
      throw new ConfigBadRequestError(['format: must be "yaml" or "json"']);
    }
    return { text: body.content, format: body.format ?? 'yaml' };
  }
  if (body.properties !== undefined) return { properties: body.properties };
  throw new ConfigBadRequestError(['content or properties: the release content is required']);
}

function int(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigBadRequestError([`${name}: must be a positive integer`]);
  return Number(value);
}
