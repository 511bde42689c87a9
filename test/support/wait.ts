/**
 * Polls `condition` every 10 ms until it holds; fails the test after `timeoutMs`. For
 * behaviour that is eventually true (a notification arrived, a lease expired), not for speed.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
