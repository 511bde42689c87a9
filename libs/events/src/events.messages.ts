export function invalidEventMessage(type: string, reason: string): string {
  return `Event "${type}" cannot be published: ${reason}. Give it a dotted type and a JSON-serialisable data object.`;
}

export function busClosedMessage(): string {
  return 'The event bus is closed (the application is shutting down); publish before shutdown or retry on another instance.';
}
