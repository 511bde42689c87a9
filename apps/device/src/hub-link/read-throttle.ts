/** Held connections resumed in the first turn of an overload; adapts from there. */
const FIRST_RESUMES_PER_TURN = 64;
/** How many more held connections a turn resumes after a turn within its budget. */
const RESUME_STEP = 8;

/**
 * The read budget of all hub streams together. Every frame read is handled (it is already in
 * memory: holding it would only grow buffers while the transport keeps reading). A stream that
 * delivers a frame once the turn read its budget has its connection held instead: not read at
 * all, so TCP holds the hub at once. Held connections are resumed oldest first, a few per turn:
 * fewer after a turn over budget, a few more after one within it, so an overloaded instance reads
 * about its budget each turn, answers health checks and metrics between turns, and leaves the
 * rest in the kernel and at the hubs instead of its heap.
 *
 * @example
 * ```ts
 * const throttle = new ReadThrottle(1000);
 * requests.forEach((frame) => {
 *   handle(frame);
 *   if (throttle.frameRead() && requests.pauseConnection?.()) throttle.held(() => requests.resumeConnection?.());
 * });
 * ```
 */
export class ReadThrottle {
  private turnFrames = 0;
  private resumesPerTurn = FIRST_RESUMES_PER_TURN;
  /** Resumers of held connections, oldest first, from `head` on. */
  private waiting: (() => void)[] = [];
  private head = 0;
  private scheduled: NodeJS.Immediate | undefined;

  /** @param framesPerTurn frames read in one event-loop turn past which the hubs still sending are held */
  constructor(private readonly framesPerTurn: number) {}

  /** Connections held now. */
  get heldConnections(): number {
    return this.waiting.length - this.head;
  }

  /** Counts a frame read; true once this turn read its budget (the reader should hold its connection). */
  frameRead(): boolean {
    this.turnFrames++;
    if (this.turnFrames <= this.framesPerTurn) {
      this.scheduled ??= setImmediate(this.endTurn);
      return false;
    }
    return true;
  }

  /** Remembers a held connection; `resume` reads it again in a later turn. */
  held(resume: () => void): void {
    this.waiting.push(resume);
    this.scheduled ??= setImmediate(this.endTurn);
  }

  /** Resumes every held connection now (the instance is stopping). */
  resumeAll(): void {
    while (this.head < this.waiting.length) this.resumeNext();
  }

  private readonly endTurn = (): void => {
    this.scheduled = undefined;
    // A turn over budget means the connections resumed before it brought more than it could
    // take: resume fewer. Within budget, a few more (the backlog of each grew meanwhile).
    if (this.turnFrames > this.framesPerTurn) this.resumesPerTurn = Math.max(1, this.resumesPerTurn >> 1);
    else this.resumesPerTurn += RESUME_STEP;
    this.turnFrames = 0;
    for (let n = this.resumesPerTurn; n > 0 && this.head < this.waiting.length; n--) this.resumeNext();
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
      this.resumesPerTurn = FIRST_RESUMES_PER_TURN;
    } else {
      // Under a lasting overload the queue never empties: drop the resumed part now and then.
      if (this.head >= 4096 && this.head * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.scheduled = setImmediate(this.endTurn);
    }
  };

  private resumeNext(): void {
    const resume = this.waiting[this.head] as () => void;
    this.waiting[this.head++] = noop;
    resume();
  }
}

function noop(): void {}
