/** The resolved `scheduler.*` settings. */
export const SCHEDULER_SETTINGS = Symbol('LATTICE:SCHEDULER:SETTINGS');
