/* eslint-disable @typescript-eslint/require-await -- the in-process adapter implements an async port without I/O */
import type {
  QueueTurn,
  RuleRunEntries,
  RunAdmission,
  RunAdmissionRequest,
  RunRegistry,
} from './run-registry.interfaces.js';

interface Entry {
  token: number;
  expiresMs: number;
  /** Place in the queue; undefined while running. */
  order?: number;
}

const byOrder = (a: [string, Entry], b: [string, Entry]): number =>
  (a[1].order ?? 0) - (b[1].order ?? 0) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The one-process {@link RunRegistry}: per rule, a map of running and waiting entries with
 * leases. Real code, not a double: the all-in-one runs on it.
 *
 * @example
 * ```ts
 * const registry = new MemoryRunRegistry();
 * ```
 */
export class MemoryRunRegistry implements RunRegistry {
  private readonly rules = new Map<string, Map<string, Entry>>();

  async admit(ruleId: string, runId: string, request: RunAdmissionRequest): Promise<RunAdmission> {
    const { mode, max, token, order, nowMs, leaseMs } = request;
    const entries = this.live(ruleId, nowMs);
    const own = entries.get(runId);
    if (own !== undefined) {
      // The same firing again: a takeover (newer token) continues where the dead holder was.
      if (own.token > token) return { decision: 'busy', stopped: [] };
      own.token = token;
      own.expiresMs = nowMs + leaseMs;
      return { decision: own.order === undefined ? 'run' : 'queued', stopped: [] };
    }
    let running = 0;
    for (const entry of entries.values()) if (entry.order === undefined) running++;
    const waiting = entries.size - running;
    const stopped: string[] = [];
    if (mode === 'single' && running + waiting > 0) return { decision: 'busy', stopped };
    if (mode === 'parallel' && running >= max) return { decision: 'busy', stopped };
    if (mode === 'queued') {
      if (running + waiting >= max) return { decision: 'busy', stopped };
      if (running + waiting > 0) {
        entries.set(runId, { token, expiresMs: nowMs + leaseMs, order });
        this.rules.set(ruleId, entries);
        return { decision: 'queued', stopped };
      }
    }
    if (mode === 'restart') {
      for (const [id, entry] of entries) {
        if (entry.order !== undefined) continue;
        entries.delete(id);
        stopped.push(id);
      }
    }
    entries.set(runId, { token, expiresMs: nowMs + leaseMs });
    this.rules.set(ruleId, entries);
    return { decision: 'run', stopped };
  }

  async poll(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<QueueTurn> {
    const entries = this.live(ruleId, nowMs);
    const own = entries.get(runId);
    if (own?.token !== token) return 'gone';
    own.expiresMs = nowMs + leaseMs;
    if (own.order === undefined) return 'run';
    const queue = [...entries].filter(([, entry]) => entry.order !== undefined).sort(byOrder);
    if (queue.length < entries.size || queue[0]?.[0] !== runId) return 'wait';
    delete own.order;
    return 'run';
  }

  async renew(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<boolean> {
    const own = this.rules.get(ruleId)?.get(runId);
    if (own?.token !== token) return false;
    own.expiresMs = nowMs + leaseMs;
    return true;
  }

  async release(ruleId: string, runId: string, token: number): Promise<void> {
    const entries = this.rules.get(ruleId);
    if (entries?.get(runId)?.token !== token) return;
    entries.delete(runId);
    if (entries.size === 0) this.rules.delete(ruleId);
  }

  async entries(ruleId: string, nowMs: number): Promise<RuleRunEntries> {
    const live = [...(this.rules.get(ruleId) ?? [])].filter(([, entry]) => entry.expiresMs > nowMs);
    return {
      running: live
        .filter(([, entry]) => entry.order === undefined)
        .map(([id]) => id)
        .sort(),
      queued: live
        .filter(([, entry]) => entry.order !== undefined)
        .sort(byOrder)
        .map(([id]) => id),
    };
  }

  /** The rule's entries without those whose lease expired before `nowMs`. */
  private live(ruleId: string, nowMs: number): Map<string, Entry> {
    const entries = this.rules.get(ruleId) ?? new Map<string, Entry>();
    for (const [id, entry] of entries) if (entry.expiresMs <= nowMs) entries.delete(id);
    if (entries.size === 0) this.rules.delete(ruleId);
    return entries;
  }
}
