/**
 * An AbortController made only when someone reads its signal: most handlers never look at
 * it, and creating an AbortSignal per call is a measurable cost at tens of thousands of calls/s.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private abortedEarly = false;

  get aborted(): boolean {
    return this.abortedEarly || (this.controller?.signal.aborted ?? false);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedEarly) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    if (this.controller === undefined) this.abortedEarly = true;
    else this.controller.abort();
  }
}
