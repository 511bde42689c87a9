import { LatticeError } from './lattice.error.js';
import { invalidOptionsMessage } from './core.messages.js';

/** One problem found while validating options or input: where, and what is wrong. */
export interface ValidationProblem {
  /** Dotted path of the offending value (`server.port`); empty for the root. */
  readonly path: string;
  readonly message: string;
}

/**
 * Options given to a Lattice module (or an app's configuration) are invalid. Raised once
 * at start-up with every problem listed, so an operator fixes them all in one go.
 */
export class InvalidOptionsError extends LatticeError<{
  readonly module: string;
  readonly problems: readonly ValidationProblem[];
}> {
  constructor(module: string, problems: readonly ValidationProblem[]) {
    super('CORE_INVALID_OPTIONS', invalidOptionsMessage(module, problems), {
      data: { module, problems },
      status: 500,
    });
  }
}

/**
 * Turns schema-validator issues (zod's `issues`, or anything with `path` and `message`)
 * into {@link ValidationProblem}s with dotted paths.
 */
export function toValidationProblems(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): ValidationProblem[] {
  return issues.map((issue) => ({
    path: issue.path.map((segment) => String(segment)).join('.'),
    message: issue.message,
  }));
}
