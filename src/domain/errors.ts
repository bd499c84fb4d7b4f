/** Base for every error the bot raises on purpose: `code` is stable, `message` is for people. */
export class ChatOpsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigError extends ChatOpsError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

export class CommandSyntaxError extends ChatOpsError {
  constructor(message: string) {
    super('COMMAND_SYNTAX', message);
  }
}

export class AwsCallError extends ChatOpsError {
  constructor(
    readonly service: string,
    readonly region: string,
    readonly awsCode: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('AWS_CALL_FAILED', `${service} in ${region} did not answer: ${awsCode}${detail ? ` (${detail})` : ''}`, options);
  }
}

export class NotFoundError extends ChatOpsError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class StoreUnavailableError extends ChatOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options);
  }
}

/** This process no longer holds the execution it was running (another took it over); it must not write. */
export class LeaseLostError extends ChatOpsError {
  constructor(message: string) {
    super('LEASE_LOST', message);
  }
}

/** The one-line reason of an unknown thrown value, safe to show a user. */
export function describeError(err: unknown): string {
  if (err instanceof ChatOpsError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
