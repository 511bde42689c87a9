import { Inject, Injectable, Module, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { InvalidOptionsError } from '@lattice/core';
import { ConfigStore } from '../store/config-store.interfaces.js';
import { RedisConfigStore } from '../store/redis-config-store.js';
import { ConfigAdmin } from './config-admin.js';
import { ConfigAdminController } from './config-admin.controller.js';
import type { ConfigAdminModuleOptions } from './config-admin.interfaces.js';
import { ConfigurableConfigAdminModule, CONFIG_ADMIN_OPTIONS } from './config-admin.module-definition.js';

/** The store the admin API works on, and the connections it opened for it. */
@Injectable()
export class ConfigAdminStore implements OnApplicationShutdown {
  readonly store: ConfigStore;
  private readonly owned: RedisConfigStore | undefined;

  constructor(
    @Inject(CONFIG_ADMIN_OPTIONS) options: ConfigAdminModuleOptions,
    @Optional() @Inject(ConfigStore) appStore?: ConfigStore,
  ) {
    if (options.store !== undefined) {
      this.store = options.store;
    } else if (options.redis !== undefined) {
      this.owned = new RedisConfigStore({
        url: options.redis.url,
        ...(options.redis.keyPrefix === undefined ? {} : { keyPrefix: options.redis.keyPrefix }),
        connectionName: 'lattice:config:admin',
      });
      this.store = this.owned;
    } else if (appStore !== undefined) {
      this.store = appStore;
    } else {
      throw new InvalidOptionsError('ConfigAdminModule', [
        { path: 'store', message: 'give `store` or `redis`, or import ConfigModule (isGlobal) in the application' },
      ]);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.owned?.close();
  }
}

/**
 * The config center's HTTP API, for the gateway to mount behind the admin role:
 *
 * | method and path (under `/config/:appId/:cluster/:namespace`) | does |
 * |---|---|
 * | `GET /` | current main and gray release |
 * | `GET /releases?limit=`, `GET /releases/:version` | history, one release |
 * | `GET /diff?from=&to=` | diff of two releases (to: current main) |
 * | `POST /releases` `{content, format?, author, comment?, expectedRevision?}` | publish (content: YAML/JSON text, or `properties`) |
 * | `POST /rollback` `{toVersion, author, comment?}` | roll back |
 * | `POST /gray` `{content, targets: {instanceIds?, labels?}, author}` | gray release |
 * | `POST /gray/promote`, `POST /gray/abandon` `{author, comment?}` | end the gray release |
 *
 * Errors are problem+json with a stable `code`; invalid content is refused (400
 * `CONFIG_RELEASE_INVALID`) and nothing changes.
 *
 * @example
 * ```ts
 * @Module({ imports: [ConfigAdminModule.forRoot({ redis: { url: process.env.LATTICE_REDIS_URL! } })] })
 * export class AdminModule {}
 * ```
 */
@Module({
  controllers: [ConfigAdminController],
  providers: [
    ConfigAdminStore,
    {
      provide: ConfigAdmin,
      inject: [ConfigAdminStore, CONFIG_ADMIN_OPTIONS],
      useFactory: (holder: ConfigAdminStore, options: ConfigAdminModuleOptions) =>
        new ConfigAdmin(holder.store, options.requestTimeoutMs ?? 5_000),
    },
  ],
})
export class ConfigAdminModule extends ConfigurableConfigAdminModule {}
