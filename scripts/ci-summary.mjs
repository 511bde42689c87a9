// Reads jest's output and prints its totals as "N passed, N failed" (CI reads this line).
// jest's own line looks like "Tests:       1 failed, 2 skipped, 40 passed, 43 total".
import { readFileSync } from 'node:fs';

// eslint-disable-next-line no-control-regex -- strips terminal colour codes
const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const line = text.split('\n').findLast((l) => /^Tests:\s/.test(l)) ?? '';
const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
const skipped = count('skipped') + count('todo');
process.stdout.write(`${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
