interface Waiting<I, O> {
  readonly input: I;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs the calls made during one event-loop turn together: everything queued before the loop's
 * check phase (the requests of every socket read in that turn, a batch's messages) goes to
 * `run` at once, in call order, in chunks of at most `maxChunk`. Each call gets its own output;
 * a failed chunk fails its calls only.
 *
 * @example
 * ```ts
 * const keys = new TurnBatch<string, string[]>((users) => fetchDevicesOfMany(users), 500);
 * const [a, b] = await Promise.all([keys.add('alice'), keys.add('bob')]); // one round trip
 * ```
 */
export class TurnBatch<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (inputs: readonly I[]) => Promise<readonly O[]>,
    private readonly maxChunk: number,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    // Chunks are issued without waiting in between: on one connection they run in this order.
    for (let from = 0; from < all.length; from += this.maxChunk) {
      const chunk = all.slice(from, from + this.maxChunk);
      this.run(chunk.map((w) => w.input)).then(
        (outputs) => {
          for (let i = 0; i < chunk.length; i++) chunk[i]!.resolve(outputs[i]!);
        },
        (error: unknown) => {
          for (const w of chunk) w.reject(error);
        },
      );
    }
  };
}
