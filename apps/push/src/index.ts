export { createPushApplication, PUSH_DEFAULTS } from './push.application.js';
export { PushModule } from './push.module.js';
