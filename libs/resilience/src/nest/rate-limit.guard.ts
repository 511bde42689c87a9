import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from '@lattice/core';
import type { RateLimitPolicy } from '../limiting/rate-limit.policy.js';
import { ResilienceRegistry } from '../registry/resilience-registry.js';
import { RateLimitedError } from '../resilience.errors.js';
import { RateLimit, type RateLimitDecoratorOptions } from './resilience.decorators.js';

interface HttpRequest {
  readonly url?: string;
  readonly originalUrl?: string;
}
interface HttpResponse {
  setHeader(name: string, value: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Applies `@RateLimit()` rules of controller handlers (or their controller) to inbound HTTP
 * requests. A refused request gets 429 `application/problem+json` with the stable code
 * `RESILIENCE_RATE_LIMITED` and a `Retry-After` header (seconds). A concurrency permit is
 * held until the response closes. Hooks are `protected` so apps can subclass it.
 *
 * @example
 * ```ts
 * @Controller('api/v1/devices')
 * @UseGuards(RateLimitGuard)
 * export class DevicesController {
 *   @Post(':id/commands')
 *   @RateLimit({ qps: 100, hotParam: { qps: 5 }, paramFrom: (req: Request) => req.params.id })
 *   send() { ... }
 * }
 * ```
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly defined = new Set<string>();

  constructor(
    protected readonly registry: ResilienceRegistry,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const options = this.reflector.getAllAndOverride<RateLimitDecoratorOptions | undefined>(RateLimit.KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (options === undefined) return true;
    const name = this.policyName(context, options);
    const limiter = this.limiter(name, options);
    if (limiter === undefined) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const param = (options.paramFrom as ((req: HttpRequest) => string | undefined) | undefined)?.(request);
    const finished = new Promise<void>((resolve) => response.once('close', resolve));
    try {
      await new Promise<void>((admitted, refused) => {
        limiter
          .execute(
            () => {
              admitted();
              return finished;
            },
            { key: name, param },
          )
          .catch(refused);
      });
      return true;
    } catch (error) {
      if (error instanceof RateLimitedError) this.refuse(error, request, response);
      throw error;
    }
  }

  /** The policy (and limit key) of a handler. */
  protected policyName(context: ExecutionContext, options: RateLimitDecoratorOptions): string {
    return options.policy ?? `${context.getClass().name}.${context.getHandler().name}`;
  }

  /** Answers 429 problem+json with Retry-After. */
  protected refuse(error: RateLimitedError, request: HttpRequest, response: HttpResponse): never {
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.data.retryAfterMs / 1_000))));
    response.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
    throw new HttpException(toProblem(error, request.originalUrl ?? request.url), 429, { cause: error });
  }

  private limiter(name: string, options: RateLimitDecoratorOptions): RateLimitPolicy | undefined {
    if (!this.defined.has(name)) {
      const { paramFrom: _paramFrom, policy: _policy, ...rateLimit } = options;
      this.registry.define(name, { rateLimit });
      this.defined.add(name);
    }
    return this.registry.get(name).rateLimit;
  }
}
