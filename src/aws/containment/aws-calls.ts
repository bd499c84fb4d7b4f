import { awsAttempts, awsErrorCode, callAws } from '../aws-errors';

/** Counts the HTTP requests an adapter made, SDK retries included, and names the service and region in errors. */
export class AwsCalls {
  private count = 0;

  constructor(
    private readonly service: string,
    private readonly region: string,
  ) {}

  get made(): number {
    return this.count;
  }

  async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      const out = await call();
      this.count += (out as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      return out;
    } catch (err) {
      this.count += awsAttempts(err);
      throw err;
    }
  }

  /** Like `send`, with any failure turned into an AwsCallError that names the service and region. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return callAws(this.service, this.region, () => this.send(call));
  }

  /**
   * Like `run`, but an error that means "there is no such configuration" is undefined: one whose AWS code is in
   * `none`, or for which `none` says so.
   */
  async runOrNone<T>(call: () => Promise<T>, none: ReadonlySet<string> | ((err: unknown) => boolean)): Promise<T | undefined> {
    const isNone = typeof none === 'function' ? none : (err: unknown) => none.has(awsErrorCode(err));
    let missing = false;
    const out = await callAws(this.service, this.region, async () => {
      try {
        return await this.send(call);
      } catch (err) {
        if (!isNone(err)) throw err;
        missing = true;
        return undefined;
      }
    });
    return missing ? undefined : out;
  }
}
