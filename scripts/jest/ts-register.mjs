// `node --import ./scripts/jest/ts-register.mjs file.ts` runs a TypeScript entry from source.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
