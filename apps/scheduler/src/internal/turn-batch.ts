interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the calls made during one turn of the event loop (every timer, socket read and
 * continuation before the loop's check phase) and runs them as one batch: a replica that
 * starts or ends many firings at once sends one Redis script or pipeline for all of them
 * instead of one per firing. Each call still gets its own result, in call order.
 *
 * @example
 * ```ts
 * const gets = new TurnBatch<string, string | null>((ids) => redis.hmget('rules', ...ids));
 * const [a, b] = await Promise.all([gets.add('r-1'), gets.add('r-2')]); // one HMGET
 * ```
 */
export class TurnBatch<T, R> {
  private pending: Pending<T, R>[] = [];
  private scheduled = false;

  /**
   * @param run runs one batch and answers one result per item, in order
   * @param maxBatch items per batch (bounds how long one Redis script blocks the server)
   */
  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch = 256,
  ) {}

  /** Queues one call; it runs with the others of this turn. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    void this.settle(batch);
  }

  private async settle(batch: readonly Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      for (const [index, p] of batch.entries()) p.resolve(results[index]!);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
