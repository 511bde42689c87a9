export { LatticeError } from './errors/lattice.error.js';
export type { ErrorData, LatticeErrorOptions } from './errors/lattice.error.js';
export { InvalidOptionsError, toValidationProblems } from './errors/core.errors.js';
export type { ValidationProblem } from './errors/core.errors.js';
export { PROBLEM_CONTENT_TYPE, statusTitle, toProblem } from './errors/problem.js';
export type { ProblemDetails } from './errors/problem.js';
export { ManualClock, systemClock } from './clock/clock.js';
export type { Clock, ClockTimer } from './clock/clock.js';
export {
  appEnvironmentPrefix,
  configTreeAt,
  configTreeFromEnvironment,
  isConfigTree,
  mergeConfigTrees,
  parseEnvironmentValue,
} from './config/config-tree.js';
export type { ConfigTree } from './config/config-tree.js';
export { TurnBatch } from './batch/turn-batch.js';
export { newId } from './ids/new-id.js';
