/**
 * HTTP status IAM answers an error code with (the `awsQueryError` traits of @aws-sdk/client-iam's error schemas,
 * plus the common codes every query service shares); every other client error is 400.
 */
export const ERROR_STATUS: Record<string, number> = {
  NoSuchEntity: 404,
  AccessDenied: 403,
  Throttling: 400,
  ServiceFailure: 500,
  MalformedPolicyDocument: 400,
  InvalidInput: 400,
  ValidationError: 400,
  LimitExceeded: 409,
  EntityAlreadyExists: 409,
  UnmodifiableEntity: 400,
  InvalidAction: 400,
  ServiceUnavailable: 503,
  InternalFailure: 500,
};

const ERROR_MESSAGE: Record<string, string> = {
  Throttling: 'Rate exceeded',
  ServiceFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  AccessDenied: 'User: arn:aws:iam::123456789012:user/test is not authorized to perform this action',
  MalformedPolicyDocument: 'Syntax errors in policy.',
  ServiceUnavailable: 'Service unavailable',
};

/** An error IAM answers with: its code, message and HTTP status; the transport renders it as an ErrorResponse. */
export class IamError extends Error {
  constructor(
    readonly code: string,
    message = ERROR_MESSAGE[code] ?? code,
    readonly status = ERROR_STATUS[code] ?? 400,
  ) {
    super(message);
    this.name = code;
  }
}
