import { MemoryConfigStore, RedisConfigStore } from '@lattice/config';
import { redisUrl } from '#test/redis.js';
import { describeConfigStoreContract } from './support/config-store-contract.js';

describeConfigStoreContract('memory', () => {
  const store = new MemoryConfigStore();
  return Promise.resolve({ store, peer: store, close: () => store.close() });
});

let run = 0;
describeConfigStoreContract('redis', () => {
  const keyPrefix = `test:config-contract:${process.pid}:${++run}:`;
  const store = new RedisConfigStore({ url: redisUrl(), keyPrefix });
  const peer = new RedisConfigStore({ url: redisUrl(), keyPrefix });
  return Promise.resolve({
    store,
    peer,
    close: async () => {
      await Promise.all([store.close(), peer.close()]);
    },
  });
});
