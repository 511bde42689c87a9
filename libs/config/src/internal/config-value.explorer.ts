import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigService } from '../client/config.service.js';
import { CONFIG_VALUE_METADATA, type ConfigValueBinding } from '../config.decorators.js';

/** Binds every @ConfigValue property of the application's providers and controllers to ConfigService. */
@Injectable()
export class ConfigValueExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: ConfigService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      for (const binding of bindingsOf(instance)) {
        const { key, fallback } = binding;
        Object.defineProperty(instance, binding.property, {
          get: () => this.config.get(key, fallback),
          set: () => undefined,
          configurable: true,
          enumerable: true,
        });
      }
    }
  }
}

function bindingsOf(instance: object): ConfigValueBinding[] {
  const bindings: ConfigValueBinding[] = [];
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    if (Object.hasOwn(proto, CONFIG_VALUE_METADATA)) {
      bindings.push(...(proto as Record<symbol, ConfigValueBinding[]>)[CONFIG_VALUE_METADATA]!);
    }
  }
  return bindings;
}
