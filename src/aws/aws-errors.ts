import { AwsCallError } from '../domain/errors';

/** The AWS error code (`ThrottlingException`, `AccessDeniedException`, …) of a thrown SDK error. */
export function awsErrorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const c of [e.Code, e.code, e.name]) if (typeof c === 'string' && c !== '' && c !== 'Error') return c;
  }
  return 'UnknownError';
}

/** How many attempts the SDK made before this error reached us (its own retries included). */
export function awsAttempts(err: unknown): number {
  const attempts = (err as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : 1;
}

export function awsErrorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs an SDK call and turns any failure into an AwsCallError that names the service and region. */
export async function callAws<T>(service: string, region: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AwsCallError) throw err;
    const code = awsErrorCode(err);
    const message = awsErrorMessage(err);
    throw new AwsCallError(service, region, code, message === code ? '' : message, { cause: err });
  }
}
