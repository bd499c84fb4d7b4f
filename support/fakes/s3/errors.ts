/** HTTP status S3 answers an error code with; every other error code is 400 (MalformedXML, InvalidRequest, …). */
export const S3_ERROR_STATUS: Record<string, number> = {
  NoSuchBucket: 404,
  NoSuchPublicAccessBlockConfiguration: 404,
  NoSuchBucketPolicy: 404,
  NoSuchWebsiteConfiguration: 404,
  AccessDenied: 403,
  SlowDown: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  NotImplemented: 501,
  MethodNotAllowed: 405,
  PermanentRedirect: 301,
};

const S3_ERROR_MESSAGE: Record<string, string> = {
  NoSuchBucket: 'The specified bucket does not exist',
  NoSuchPublicAccessBlockConfiguration: 'The public access block configuration was not found',
  NoSuchBucketPolicy: 'The bucket policy does not exist',
  NoSuchWebsiteConfiguration: 'The specified bucket does not have a website configuration',
  AccessDenied: 'Access Denied',
  SlowDown: 'Please reduce your request rate.',
  ServiceUnavailable: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  MalformedXML: 'The XML you provided was not well-formed or did not validate against our published schema',
  BadDigest: 'The Content-MD5 or checksum value that you specified did not match what the server received.',
  NotImplemented: 'A header or query you provided implies functionality that is not implemented.',
  PermanentRedirect:
    'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
};

/** An error S3 answers with: its code, message and HTTP status, and the bucket it is about (`<BucketName>`). */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message = S3_ERROR_MESSAGE[code] ?? code,
    readonly status = S3_ERROR_STATUS[code] ?? 400,
    readonly bucketName?: string,
    /** Extra response headers, e.g. `x-amz-bucket-region` on PermanentRedirect. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}
