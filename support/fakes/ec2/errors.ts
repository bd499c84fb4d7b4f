/** HTTP status EC2 answers an error code with; every other client error (InvalidPermission.Duplicate, …) is 400. */
export const ERROR_STATUS: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  UnauthorizedOperation: 403,
  AuthFailure: 401,
  DryRunOperation: 412,
};

const ERROR_MESSAGE: Record<string, string> = {
  RequestLimitExceeded: 'Request limit exceeded.',
  InternalError: 'An internal error has occurred',
  Unavailable: 'The server is overloaded and cannot handle the request.',
  UnauthorizedOperation: 'You are not authorized to perform this operation.',
  DryRunOperation: 'Request would have succeeded, but DryRun flag is set.',
};

/** An error EC2 answers with: its code, message and HTTP status; each transport renders it its own way. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message = ERROR_MESSAGE[code] ?? code,
    readonly status = ERROR_STATUS[code] ?? 400,
  ) {
    super(message);
    this.name = code;
  }
}
