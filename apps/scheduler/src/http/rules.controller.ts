import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationConfig } from '@lattice/boot';
import { systemClock, toValidationProblems, newId, type ValidationProblem } from '@lattice/core';
import { RuleEngine } from '../engine/rule-engine.js';
import { ruleInputSchema, type Rule, type RuleInput } from '../rules/rule.schema.js';
import {
  InvalidRuleError,
  RuleNotFoundError,
  RuleVersionConflictError,
  UnauthenticatedError,
} from '../scheduler.errors.js';
import { RuleStore, RunStore, type RuleRun } from '../stores/stores.interfaces.js';
import { assertCron } from '../timing/next-fire.js';

type HeaderBag = Record<string, string | string[] | undefined>;
interface Caller {
  readonly userId: string;
  readonly homes: readonly string[];
}

/**
 * The caller from the gateway's identity headers. With `gateway.identitySecret` configured
 * (always on the redis backend) the headers must carry the gateway's HMAC signature.
 */
function callerOf(headers: HeaderBag, secret: string | undefined): Caller {
  const read = (name: string): string => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const user = read('x-lattice-user').trim();
  const saasKey = read('x-lattice-saas-key').trim();
  const homes = headers['x-lattice-homes'];
  if ((user === '' && saasKey === '') || homes === undefined) throw new UnauthenticatedError();
  if (secret !== undefined) {
    const payload = [
      read('x-lattice-user'),
      read('x-lattice-homes'),
      read('x-lattice-roles'),
      read('x-lattice-saas-key'),
    ];
    const expected = createHmac('sha256', secret).update(payload.join('\n')).digest();
    const given = Buffer.from(read('x-lattice-identity-signature'), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthenticatedError();
  }
  const list = read('x-lattice-homes')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  return { userId: user === '' ? `saas:${saasKey}` : user, homes: list };
}

/** Validates a rule body (schema, cron expressions, the caller's homes); every problem listed with its path. */
export function parseRule(body: unknown, caller: Caller): RuleInput {
  const result = ruleInputSchema.safeParse(body);
  if (!result.success) throw new InvalidRuleError(toValidationProblems(result.error.issues));
  const problems: ValidationProblem[] = [];
  for (const [index, trigger] of result.data.triggers.entries()) {
    if (trigger.type !== 'cron') continue;
    try {
      assertCron(trigger.expression, trigger.timeZone);
    } catch (error) {
      problems.push({ path: `triggers.${index}.expression`, message: (error as Error).message });
    }
  }
  if (!caller.homes.includes(result.data.homeId))
    problems.push({ path: 'homeId', message: 'is not one of your homes' });
  if (problems.length > 0) throw new InvalidRuleError(problems);
  return result.data;
}

/** `/api/v1/rules`: CRUD and run history, scoped to the caller's homes (others' rules answer 404). */
@Controller('api/v1/rules')
export class RulesController {
  constructor(
    @Inject(RuleStore) private readonly rules: RuleStore,
    @Inject(RunStore) private readonly runs: RunStore,
    private readonly engine: RuleEngine,
    private readonly config: ApplicationConfig,
  ) {}

  private caller(headers: HeaderBag): Caller {
    return callerOf(headers, this.config.get<string | undefined>('gateway.identitySecret', undefined));
  }

  @Get()
  async list(@Headers() headers: HeaderBag): Promise<{ items: Rule[] }> {
    return { items: await this.rules.listByHomes(this.caller(headers).homes) };
  }

  @Post()
  @HttpCode(201)
  async create(@Headers() headers: HeaderBag, @Body() body: unknown): Promise<Rule> {
    const input = parseRule(body, this.caller(headers));
    const now = systemClock.now();
    const rule: Rule = { ...input, id: `r-${newId()}`, version: 1, createdMs: now, updatedMs: now };
    await this.engine.saveRule(rule);
    return rule;
  }

  @Get(':id')
  get(@Headers() headers: HeaderBag, @Param('id') id: string): Promise<Rule> {
    return this.owned(this.caller(headers), id);
  }

  @Put(':id')
  async replace(
    @Headers() headers: HeaderBag,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch?: string,
  ): Promise<Rule> {
    const caller = this.caller(headers);
    const previous = await this.owned(caller, id);
    const input = parseRule(body, caller);
    const expected = ifMatch === undefined ? undefined : Number(ifMatch.replace(/"/g, ''));
    if (expected !== undefined && expected !== previous.version) {
      throw new RuleVersionConflictError(id, expected, previous.version);
    }
    const rule: Rule = {
      ...input,
      id,
      version: previous.version + 1,
      createdMs: previous.createdMs,
      updatedMs: systemClock.now(),
    };
    await this.engine.saveRule(rule, previous);
    return rule;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Headers() headers: HeaderBag, @Param('id') id: string): Promise<void> {
    await this.engine.deleteRule(await this.owned(this.caller(headers), id));
  }

  @Get(':id/runs')
  async history(
    @Headers() headers: HeaderBag,
    @Param('id') id: string,
    @Query('limit') limit?: string,
  ): Promise<{ items: RuleRun[] }> {
    await this.owned(this.caller(headers), id);
    const n = Math.min(Math.max(Number(limit ?? 50) || 50, 1), 500);
    return { items: await this.runs.list(id, n) };
  }

  private async owned(caller: Caller, id: string): Promise<Rule> {
    const rule = await this.rules.get(id);
    if (rule === null || !caller.homes.includes(rule.homeId)) throw new RuleNotFoundError(id);
    return rule;
  }
}
