function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export function configFileMessage(file: string, cause: unknown): string {
  return `Config file ${file} could not be loaded (${reason(cause)}); fix the YAML or point LATTICE_CONFIG_FILE elsewhere.`;
}

export function startFailedMessage(app: string, step: string, cause: unknown): string {
  return `${app} failed to start while ${step}: ${reason(cause)}`;
}

export function portInUseHint(port: number): string {
  return `port ${port} is already in use; stop the other process or set server.port (e.g. LATTICE_<APP>__SERVER__PORT=0 for any free port)`;
}
