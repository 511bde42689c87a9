import type { IncomingHttpHeaders } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import { toValidationProblems } from '@lattice/core';
import { GatewayRoutesInvalidError } from '../gateway.errors.js';
import { compileCidrs } from './cidr.js';
import { compilePathPattern, expandTemplate, type PathPattern } from './path-pattern.js';
import { routeTableSchema, type FilterDefinition, type RouteDefinition } from './route.schema.js';

/** What predicates look at. */
export interface RouteRequest {
  readonly method: string;
  /** Host header without the port, lower case. */
  readonly host: string;
  /** The decoded, checked path. */
  readonly path: string;
  /** Raw query string without `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
}

type HeaderOp = { op: 'add' | 'set'; name: string; value: string } | { op: 'remove'; name: string };

/** Where a route sends requests. */
export type RouteTarget =
  { readonly kind: 'lb'; readonly service: string } | { readonly kind: 'url'; readonly origin: string };

/** A route ready to serve: predicates and filters compiled once. */
export interface CompiledRoute {
  readonly id: string;
  readonly order: number;
  readonly definition: RouteDefinition;
  readonly target: RouteTarget;
  readonly auth: RouteDefinition['auth'];
  readonly tenantParam: string | undefined;
  readonly websocket: boolean;
  /** Upper bound of the exchange, retries included (the Timeout filter overrides `timeoutMs`). */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number | undefined;
  readonly requestHeaders: readonly HeaderOp[];
  readonly responseHeaders: readonly HeaderOp[];
  readonly rateLimit: Extract<FilterDefinition, { rateLimit: unknown }>['rateLimit'] | undefined;
  readonly circuitBreaker: Extract<FilterDefinition, { circuitBreaker: unknown }>['circuitBreaker'] | undefined;
  readonly retry: Extract<FilterDefinition, { retry: unknown }>['retry'] | undefined;
  /** Upstream statuses the breaker counts as failures (from `circuitBreaker.statuses`). */
  readonly breakerStatuses: ReadonlySet<number> | undefined;
  /** Upstream statuses the retry filter retries. */
  readonly retryStatuses: ReadonlySet<number> | undefined;
  readonly cors: Extract<FilterDefinition, { cors: unknown }>['cors'] | undefined;
  readonly validateBody: ValidateFunction | undefined;
  /** Path predicates (empty: any path). */
  readonly paths: readonly PathPattern[];
  readonly weight: { readonly group: string; readonly from: number; readonly to: number } | undefined;
  /** Predicates other than path and weight. */
  readonly tests: ReadonlyArray<(req: RouteRequest, now: number) => boolean>;
  /** Applies the path filters in order. */
  rewritePath(path: string, captures: Readonly<Record<string, string>>): string;
}

/** A matched route with its path captures. */
export interface RouteMatch {
  readonly route: CompiledRoute;
  readonly captures: Readonly<Record<string, string>>;
}

/**
 * An immutable, ordered route table. Build a new one for each change and swap the
 * reference: requests already matched keep their route, so reloads drop nothing.
 *
 * @example
 * ```ts
 * const table = RouteTable.compile({ routes: [{ id: 'devices', uri: 'lb://device', predicates: { path: ['/api/v1/devices/**'] } }] });
 * const match = table.match({ method: 'GET', host: 'api', path: '/api/v1/devices/d1', query: '', headers: {}, remoteAddress: '127.0.0.1' });
 * ```
 */
export class RouteTable {
  private constructor(
    readonly routes: readonly CompiledRoute[],
    private readonly groupTotals: ReadonlyMap<string, number>,
    readonly version: number,
  ) {}

  /** An empty table. */
  static empty(): RouteTable {
    return new RouteTable([], new Map(), 0);
  }

  /**
   * Validates and compiles a `gateway.routes` value; throws {@link GatewayRoutesInvalidError}
   * listing every problem (schema, patterns, CIDRs, JSON schemas).
   */
  static compile(value: unknown, version = 0): RouteTable {
    const parsed = routeTableSchema.safeParse(value);
    const problems = duplicateIds(value);
    if (!parsed.success) {
      throw new GatewayRoutesInvalidError([
        ...toValidationProblems(parsed.error.issues).map((p) => `${p.path}: ${p.message}`),
        ...problems,
      ]);
    }
    const ajv = new Ajv({ allErrors: true, strict: false });
    const routes: CompiledRoute[] = [];
    parsed.data.routes.forEach((definition, index) => {
      try {
        routes.push(compileRoute(definition, ajv));
      } catch (error) {
        problems.push(`routes.${index} (${definition.id}): ${(error as Error).message}`);
      }
    });
    if (problems.length > 0) throw new GatewayRoutesInvalidError(problems);
    // Stable sort: equal orders keep the order of the file.
    routes.sort((a, b) => a.order - b.order);
    const totals = new Map<string, number>();
    const placed: CompiledRoute[] = routes.map((route) => {
      const w = route.definition.predicates.weight;
      if (w === undefined) return route;
      const from = totals.get(w.group) ?? 0;
      totals.set(w.group, from + w.weight);
      return { ...route, weight: { group: w.group, from, to: from + w.weight } };
    });
    return new RouteTable(placed, totals, version);
  }

  /** The first route whose predicates all hold. `random` draws the weight groups (one draw per group per request). */
  match(req: RouteRequest, now: number, random: () => number = Math.random): RouteMatch | undefined {
    let draws: Map<string, number> | undefined;
    for (const route of this.routes) {
      let captures: Record<string, string> | undefined;
      if (route.paths.length === 0) captures = {};
      else {
        for (const pattern of route.paths) {
          captures = pattern.match(req.path);
          if (captures !== undefined) break;
        }
        if (captures === undefined) continue;
      }
      if (!route.tests.every((test) => test(req, now))) continue;
      if (route.weight !== undefined) {
        draws ??= new Map();
        let draw = draws.get(route.weight.group);
        if (draw === undefined) {
          draw = random() * (this.groupTotals.get(route.weight.group) ?? 0);
          draws.set(route.weight.group, draw);
        }
        if (draw < route.weight.from || draw >= route.weight.to) continue;
      }
      return { route, captures };
    }
    return undefined;
  }
}

function compileRoute(definition: RouteDefinition, ajv: Ajv): CompiledRoute {
  const p = definition.predicates;
  const tests: Array<(req: RouteRequest, now: number) => boolean> = [];
  if (p.method !== undefined) {
    const methods = new Set<string>(p.method);
    tests.push((req) => methods.has(req.method));
  }
  if (p.host !== undefined) {
    const hosts = p.host.map(
      (h) =>
        new RegExp(
          `^${h
            .toLowerCase()
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^.]+')}$`,
        ),
    );
    tests.push((req) => hosts.some((h) => h.test(req.host)));
  }
  for (const h of p.header ?? []) {
    const name = h.name.toLowerCase();
    const re = h.regexp === undefined ? undefined : new RegExp(`^(?:${h.regexp})$`);
    tests.push((req) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : raw;
      return value !== undefined && (re === undefined || re.test(value));
    });
  }
  for (const q of p.query ?? []) {
    const re = q.regexp === undefined ? undefined : new RegExp(`^(?:${q.regexp})$`);
    tests.push((req) => {
      const values = new URLSearchParams(req.query).getAll(q.name);
      return values.length > 0 && (re === undefined || values.some((v) => re.test(v)));
    });
  }
  for (const c of p.cookie ?? []) {
    const re = c.regexp === undefined ? undefined : new RegExp(`^(?:${c.regexp})$`);
    tests.push((req) => {
      const value = readCookie(req.headers.cookie, c.name);
      return value !== undefined && (re === undefined || re.test(value));
    });
  }
  if (p.remoteAddr !== undefined) {
    const inRange = compileCidrs(p.remoteAddr);
    tests.push((req) => inRange(req.remoteAddress));
  }
  if (p.after !== undefined) {
    const at = new Date(p.after).getTime();
    tests.push((_req, now) => now > at);
  }
  if (p.before !== undefined) {
    const at = new Date(p.before).getTime();
    tests.push((_req, now) => now < at);
  }
  if (p.between !== undefined) {
    const [from, to] = p.between.map((v) => new Date(v).getTime()) as [number, number];
    if (from >= to) throw new Error('between: the first instant must be before the second');
    tests.push((_req, now) => now > from && now < to);
  }
  const paths = (p.path ?? []).map(compilePathPattern);

  const rewrites: Array<(path: string, captures: Readonly<Record<string, string>>) => string> = [];
  const requestHeaders: HeaderOp[] = [];
  const responseHeaders: HeaderOp[] = [];
  let maxBodyBytes: number | undefined;
  let timeoutMs = definition.timeoutMs;
  let rateLimit: CompiledRoute['rateLimit'];
  let circuitBreaker: CompiledRoute['circuitBreaker'];
  let retry: CompiledRoute['retry'];
  let cors: CompiledRoute['cors'];
  let validateBody: ValidateFunction | undefined;
  for (const filter of definition.filters) {
    if ('stripPrefix' in filter) {
      const n = filter.stripPrefix;
      rewrites.push(
        (path) =>
          '/' +
          path
            .split('/')
            .slice(n + 1)
            .join('/'),
      );
    } else if ('prefixPath' in filter) {
      const prefix = filter.prefixPath.replace(/\/$/, '');
      rewrites.push((path) => prefix + path);
    } else if ('rewritePath' in filter) {
      const re = new RegExp(filter.rewritePath.regexp);
      const replacement = filter.rewritePath.replacement.replace(/\$\\/g, '$');
      rewrites.push((path) => path.replace(re, replacement));
    } else if ('setPath' in filter) {
      const template = filter.setPath;
      rewrites.push((_path, captures) => expandTemplate(template, captures));
    } else if ('addRequestHeader' in filter) requestHeaders.push({ op: 'add', ...lower(filter.addRequestHeader) });
    else if ('setRequestHeader' in filter) requestHeaders.push({ op: 'set', ...lower(filter.setRequestHeader) });
    else if ('removeRequestHeader' in filter)
      requestHeaders.push({ op: 'remove', name: filter.removeRequestHeader.toLowerCase() });
    else if ('addResponseHeader' in filter) responseHeaders.push({ op: 'add', ...lower(filter.addResponseHeader) });
    else if ('setResponseHeader' in filter) responseHeaders.push({ op: 'set', ...lower(filter.setResponseHeader) });
    else if ('removeResponseHeader' in filter)
      responseHeaders.push({ op: 'remove', name: filter.removeResponseHeader.toLowerCase() });
    else if ('requestSize' in filter) maxBodyBytes = filter.requestSize.maxBytes;
    else if ('rateLimit' in filter) rateLimit = filter.rateLimit;
    else if ('circuitBreaker' in filter) circuitBreaker = filter.circuitBreaker;
    else if ('retry' in filter) retry = filter.retry;
    else if ('timeout' in filter) timeoutMs = filter.timeout.timeoutMs;
    else if ('cors' in filter) cors = filter.cors;
    else if ('validateBody' in filter) {
      try {
        validateBody = ajv.compile(filter.validateBody.schema);
      } catch (error) {
        throw new Error(`validateBody: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  if (
    definition.tenantParam !== undefined &&
    !paths.some((pattern) => pattern.source.includes(`{${definition.tenantParam}}`))
  )
    throw new Error(`tenantParam ${definition.tenantParam} is not a capture of any path predicate`);
  const target: RouteTarget = definition.uri.startsWith('lb://')
    ? { kind: 'lb', service: definition.uri.slice(5).replace(/\/$/, '') }
    : { kind: 'url', origin: new URL(definition.uri).origin };
  return {
    id: definition.id,
    order: definition.order,
    definition,
    target,
    auth: definition.auth,
    tenantParam: definition.tenantParam,
    websocket: definition.websocket,
    timeoutMs,
    maxBodyBytes,
    requestHeaders,
    responseHeaders,
    rateLimit,
    circuitBreaker,
    retry,
    breakerStatuses: circuitBreaker?.statuses === undefined ? undefined : new Set(circuitBreaker.statuses),
    retryStatuses: retry === undefined ? undefined : new Set(retry.statuses),
    cors,
    validateBody,
    paths,
    weight: undefined,
    tests,
    rewritePath(path, captures) {
      let out = path;
      for (const rewrite of rewrites) out = rewrite(out, captures);
      return out === '' ? '/' : out;
    },
  };
}

/** Duplicate route ids, found on the raw input so they are listed beside schema problems. */
function duplicateIds(value: unknown): string[] {
  const routes = (value as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(routes)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  routes.forEach((route: unknown, index) => {
    const id = (route as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) problems.push(`routes.${index}.id: duplicate id ${id}`);
    seen.add(id);
  });
  return problems;
}

function lower(h: { name: string; value: string }): { name: string; value: string } {
  return { name: h.name.toLowerCase(), value: h.value };
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Applies header operations to a plain header record (lower-case names). */
export function applyHeaderOps(
  headers: Record<string, string | string[] | undefined>,
  ops: readonly HeaderOp[],
  captures: Readonly<Record<string, string>>,
): void {
  for (const op of ops) {
    if (op.op === 'remove') delete headers[op.name];
    else {
      const value = expandTemplate(op.value, captures);
      const current = headers[op.name];
      if (op.op === 'set' || current === undefined) headers[op.name] = value;
      else headers[op.name] = Array.isArray(current) ? [...current, value] : [current, value];
    }
  }
}
