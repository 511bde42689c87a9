import { LatticeError } from '@lattice/core';
import { busClosedMessage, invalidEventMessage } from './events.messages.js';

/** An event that cannot go on the bus (no type, or a payload that is not JSON). */
export class InvalidEventError extends LatticeError<{ readonly type: string }> {
  constructor(type: string, reason: string) {
    super('EVENTS_INVALID_EVENT', invalidEventMessage(type, reason), { data: { type }, status: 400 });
  }
}

/** The bus was closed (the app is shutting down); nothing more can be published. */
export class EventBusClosedError extends LatticeError {
  constructor() {
    super('EVENTS_BUS_CLOSED', busClosedMessage(), { status: 503, retryable: true });
  }
}
