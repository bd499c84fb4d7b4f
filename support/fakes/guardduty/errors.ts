/** An error GuardDuty answers with (400, `x-amzn-errortype: <code>` on the wire); each transport renders it its own way. */
export class GuardDutyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const badRequest = (message: string): GuardDutyError => new GuardDutyError('BadRequestException', message);
