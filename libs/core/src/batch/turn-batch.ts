interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the calls made during one turn of the event loop (every timer, socket read and
 * continuation before the loop's check phase) and runs them as one batch: a service that
 * handles many requests at once sends one Redis script or pipeline for all of them instead
 * of one round trip each. Each call still gets its own result; a failed batch fails only
 * its own calls.
 *
 * @example
 * const gets = new TurnBatch<string, string | null>((ids) => redis.hmget('rules', ...ids));
 * const [a, b] = await Promise.all([gets.add('r-1'), gets.add('r-2')]); // one HMGET
 */
export class TurnBatch<T, R> {
  private pending: Pending<T, R>[] = [];
  private scheduled = false;

  /**
   * @param run runs one batch and answers one result per item, in item order
   * @param maxBatch items per batch: a full batch starts at once, so one Redis script never
   *   blocks the server for long; batches start in call order, so on one connection they
   *   also run in that order
   */
  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch = 256,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`TurnBatch maxBatch must be a positive integer, got ${maxBatch}`);
    }
  }

  /** Queues one call; it runs with the others of this turn. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushScheduled);
      }
    });
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    void this.settle(batch);
  }

  private async settle(batch: readonly Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new RangeError(`TurnBatch run answered ${results.length} results for ${batch.length} items`);
      }
      for (const [index, p] of batch.entries()) p.resolve(results[index]!);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
