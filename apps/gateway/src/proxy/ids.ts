import { randomBytes } from 'node:crypto';

const POOL_BYTES = 8192;

/**
 * Random hex from a pooled buffer refilled 8 KiB at a time: trace and span ids must be
 * random, but one `randomBytes` call per id costs more than the rest of the proxying.
 */
export class RandomHex {
  private pool = randomBytes(POOL_BYTES);
  private offset = 0;

  next(bytes: number): string {
    if (this.offset + bytes > POOL_BYTES) {
      this.pool = randomBytes(POOL_BYTES);
      this.offset = 0;
    }
    const out = this.pool.toString('hex', this.offset, this.offset + bytes);
    this.offset += bytes;
    return out;
  }
}
