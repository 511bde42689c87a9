export { createSchedulerApplication, SCHEDULER_DEFAULTS } from './scheduler.application.js';
export { SchedulerModule } from './scheduler.module.js';
