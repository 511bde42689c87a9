/** Whether the module created the registry (and so closes it). */
export const OWNS_REGISTRY = 'LATTICE:DISCOVERY:OWNS_REGISTRY';
/** The registry with its ownership, built once from the options. */
export const REGISTRY_HANDLE = 'LATTICE:DISCOVERY:REGISTRY_HANDLE';
