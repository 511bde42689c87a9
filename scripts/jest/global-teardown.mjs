export default async function globalTeardown() {
  await globalThis.__latticeTestRedis?.stop();
}
