import type { RuleSource } from './rule-source.interfaces.js';

/**
 * A {@link RuleSource} held in memory: `set()` publishes a new rule set to every watcher.
 * Useful for tests, admin endpoints and apps without a config center.
 *
 * @example
 * ```ts
 * const rules = new InMemoryRuleSource({ policies: { 'device.sendCommand': { timeout: { timeoutMs: 3_000 } } } });
 * ResilienceModule.forRoot({ rules });
 * rules.set({ policies: { 'device.sendCommand': { timeout: { timeoutMs: 5_000 } } } }); // live
 * ```
 */
export class InMemoryRuleSource implements RuleSource {
  private readonly listeners = new Set<(rules: unknown) => void>();

  constructor(private value: unknown = undefined) {}

  get(): unknown {
    return this.value;
  }

  set(value: unknown): void {
    this.value = value;
    for (const listener of [...this.listeners]) listener(value);
  }

  watch(listener: (rules: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
