/**
 * Where live rules come from: a snapshot now, and a notification on every change. Any object
 * of this shape fits — a @lattice/config namespace view (`resilience.rules`), or
 * {@link InMemoryRuleSource}.
 *
 * @example
 * ```ts
 * const source: RuleSource = { get: () => config.get('resilience.rules'), watch: (fn) => config.watch('resilience.rules', fn) };
 * ResilienceModule.forRoot({ rules: source });
 * ```
 */
export interface RuleSource {
  /** The current rule set (unvalidated; `undefined` = no rules). */
  get(): unknown;
  /** Calls `listener` with each new rule set; returns the unsubscribe function. */
  watch(listener: (rules: unknown) => void): () => void;
}
