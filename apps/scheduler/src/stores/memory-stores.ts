/* eslint-disable @typescript-eslint/require-await -- the in-process adapters implement async ports without I/O */
import type { Rule } from '../rules/rule.schema.js';
import type {
  AdvanceResult,
  ClaimedBatch,
  DeviceStateStore,
  RuleRun,
  RuleStore,
  RunStore,
  TimerClaim,
  TimerStore,
} from './stores.interfaces.js';

interface Firing {
  key: string;
  dueMs: number;
  token: number;
  expiresMs: number;
  advanced: boolean;
}

/**
 * The one-process {@link TimerStore}: a map of due times plus firings with leases. Real
 * code, not a double: the all-in-one runs on it.
 *
 * @example
 * ```ts
 * const timers = new MemoryTimerStore();
 * ```
 */
export class MemoryTimerStore implements TimerStore {
  private readonly due = new Map<string, number>();
  private readonly firings = new Map<string, Firing>();
  private readonly once = new Map<string, number>();
  private fence = 0;

  async schedule(key: string, dueMs: number): Promise<void> {
    this.due.set(key, dueMs);
  }
  async scheduleOnce(key: string, dueMs: number, dedupeTtlMs: number, nowMs: number): Promise<boolean> {
    const until = this.once.get(key);
    if (until !== undefined && until > nowMs) return false;
    if (this.once.size > 10_000) for (const [k, t] of this.once) if (t <= nowMs) this.once.delete(k);
    this.once.set(key, nowMs + dedupeTtlMs);
    this.due.set(key, dueMs);
    return true;
  }
  async cancel(key: string): Promise<void> {
    this.due.delete(key);
  }
  async claimDue(nowMs: number, limit: number, leaseMs: number, aheadMs = 0): Promise<TimerClaim[]> {
    const claims: TimerClaim[] = [];
    const expired = [...this.firings]
      .filter(([, f]) => f.expiresMs <= nowMs)
      .sort((a, b) => a[1].expiresMs - b[1].expiresMs);
    for (const [firingId, firing] of expired) {
      if (claims.length >= limit) break;
      firing.token = ++this.fence;
      firing.expiresMs = nowMs + leaseMs;
      claims.push({ key: firing.key, dueMs: firing.dueMs, firingId, token: firing.token, takeover: true });
    }
    if (claims.length >= limit) return claims;
    const due = [...this.due].filter(([, at]) => at <= nowMs + aheadMs).sort((a, b) => a[1] - b[1]);
    for (const [key, dueMs] of due) {
      if (claims.length >= limit) break;
      this.due.delete(key);
      const firingId = `${key}@${dueMs}`;
      if (this.firings.has(firingId)) continue;
      const token = ++this.fence;
      this.firings.set(firingId, { key, dueMs, token, expiresMs: nowMs + leaseMs, advanced: false });
      claims.push({ key, dueMs, firingId, token, takeover: false });
    }
    return claims;
  }
  async claimBatch(nowMs: number, limit: number, leaseMs: number, aheadMs = 0): Promise<ClaimedBatch> {
    const claims = await this.claimDue(nowMs, limit, leaseMs, aheadMs);
    return { claims, nextWakeMs: await this.nextWakeMs() };
  }
  async advance(firingId: string, token: number, nextDueMs: number | null): Promise<AdvanceResult> {
    const firing = this.firings.get(firingId);
    if (firing?.token !== token) return 'fenced';
    if (firing.advanced) return 'already';
    firing.advanced = true;
    if (nextDueMs !== null) this.due.set(firing.key, nextDueMs);
    return 'ok';
  }
  async renew(firingId: string, token: number, leaseMs: number, nowMs: number): Promise<boolean> {
    const firing = this.firings.get(firingId);
    if (firing?.token !== token) return false;
    firing.expiresMs = nowMs + leaseMs;
    return true;
  }
  async finish(firingId: string, token: number): Promise<boolean> {
    if (this.firings.get(firingId)?.token !== token) return false;
    this.firings.delete(firingId);
    return true;
  }
  async nextWakeMs(): Promise<number | null> {
    let next: number | null = null;
    for (const at of this.due.values()) if (next === null || at < next) next = at;
    for (const firing of this.firings.values()) if (next === null || firing.expiresMs < next) next = firing.expiresMs;
    return next;
  }
  async size(): Promise<number> {
    return this.due.size;
  }
  async dueOf(key: string): Promise<number | null> {
    return this.due.get(key) ?? null;
  }
}

/**
 * The one-process {@link RuleStore}.
 *
 * @example
 * ```ts
 * const rules = new MemoryRuleStore();
 * ```
 */
export class MemoryRuleStore implements RuleStore {
  private readonly rules = new Map<string, Rule>();
  async get(id: string): Promise<Rule | null> {
    return this.rules.get(id) ?? null;
  }
  async put(rule: Rule): Promise<void> {
    this.rules.set(rule.id, structuredClone(rule));
  }
  async delete(id: string): Promise<boolean> {
    return this.rules.delete(id);
  }
  async listByHomes(homeIds: readonly string[]): Promise<Rule[]> {
    const homes = new Set(homeIds);
    return [...this.rules.values()].filter((rule) => homes.has(rule.homeId)).sort((a, b) => a.createdMs - b.createdMs);
  }
}

/**
 * The one-process {@link RunStore}, keeping the newest `maxRunsPerRule` runs of each rule.
 *
 * @example
 * ```ts
 * const runs = new MemoryRunStore(100);
 * ```
 */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RuleRun[]>();
  constructor(private readonly maxRunsPerRule = 100) {}
  async append(run: RuleRun): Promise<void> {
    const list = this.runs.get(run.ruleId) ?? [];
    list.unshift(run);
    if (list.length > this.maxRunsPerRule) list.length = this.maxRunsPerRule;
    this.runs.set(run.ruleId, list);
  }
  async list(ruleId: string, limit: number): Promise<RuleRun[]> {
    return (this.runs.get(ruleId) ?? []).slice(0, limit);
  }
  async deleteRule(ruleId: string): Promise<void> {
    this.runs.delete(ruleId);
  }
}

/**
 * The one-process {@link DeviceStateStore}.
 *
 * @example
 * ```ts
 * const states = new MemoryDeviceStateStore();
 * ```
 */
export class MemoryDeviceStateStore implements DeviceStateStore {
  private readonly states = new Map<string, Record<string, string | number | boolean>>();
  async get(deviceId: string): Promise<Record<string, string | number | boolean>> {
    return { ...this.states.get(deviceId) };
  }
  async merge(
    deviceId: string,
    values: Record<string, string | number | boolean>,
  ): Promise<Record<string, string | number | boolean>> {
    const before = this.states.get(deviceId) ?? {};
    this.states.set(deviceId, { ...before, ...values });
    return { ...before };
  }
}
