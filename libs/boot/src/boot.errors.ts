import { LatticeError } from '@lattice/core';
import { configFileMessage, startFailedMessage } from './boot.messages.js';

/** A configuration file could not be read or is not valid YAML. */
export class ConfigFileError extends LatticeError<{ readonly file: string }> {
  constructor(file: string, cause: unknown) {
    super('BOOT_CONFIG_FILE_INVALID', configFileMessage(file, cause), { data: { file }, cause });
  }
}

/** The application could not start (a server did not listen, a registration hook failed). */
export class StartFailedError extends LatticeError<{ readonly app: string; readonly step: string }> {
  constructor(app: string, step: string, cause: unknown) {
    super('BOOT_START_FAILED', startFailedMessage(app, step, cause), { data: { app, step }, cause });
  }
}
