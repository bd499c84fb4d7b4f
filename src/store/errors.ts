import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ChatOpsError, StoreUnavailableError } from '../domain/errors';

export class ProposalExistsError extends ChatOpsError {
  constructor(findingId: string, proposalId: string) {
    super('PROPOSAL_EXISTS', `Proposal ${proposalId} for finding ${findingId} already exists`);
  }
}

/** Other writers kept changing the record between this process's read and its conditional write. */
export class StoreConflictError extends ChatOpsError {
  constructor(message: string) {
    super('STORE_CONFLICT', message);
  }
}

/** An item read from the table is not a record the bot can use: others can write the table too. */
export class MalformedItemError extends ChatOpsError {
  constructor(message: string) {
    super('STORE_ITEM_MALFORMED', message);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'NetworkingError', 'RequestTimeout', 'RequestTimeoutException', 'CredentialsProviderError']);
const THROTTLING_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/** No HTTP answer: a socket or DNS error, a timeout, or no credentials to sign with. */
function isNetworkError(e: SdkErrorShape): boolean {
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.name !== undefined && NETWORK_NAMES.has(e.name)) return true;
  if ([...NETWORK_CODES].some((code) => e.message?.includes(code))) return true;
  return e.$metadata !== undefined && e.$metadata.httpStatusCode === undefined;
}

export function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as SdkErrorShape | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Turns an error meaning "the store cannot be used" (network, missing table, no access, throttling, 5xx)
 * into a StoreUnavailableError; any other error is returned unchanged.
 */
export function toStoreError(err: unknown, tableName: string, op: string): unknown {
  if (err instanceof ChatOpsError || typeof err !== 'object' || err === null) return err;
  const e = err as SdkErrorShape;
  const name = e.name ?? 'Error';
  const detail = `${e.code ?? name}: ${e.message ?? ''}`.trim();
  const status = e.$metadata?.httpStatusCode;
  let message: string | undefined;
  if (name === 'ResourceNotFoundException') {
    message = `DynamoDB table "${tableName}" does not exist (${op}); create it (see infra/cloudformation.yml) or check the table name and region`;
  } else if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    message = `DynamoDB refused ${op} on table "${tableName}" (${detail}); the bot's role needs dynamodb:${op} on it`;
  } else if (THROTTLING_NAMES.has(name)) {
    message = `DynamoDB throttled ${op} on table "${tableName}" after retries (${name})`;
  } else if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    message = `DynamoDB failed ${op} on table "${tableName}" with a server error (${status ?? '5xx'} ${detail})`;
  } else if (isNetworkError(e)) {
    message = `DynamoDB is unreachable (${op} on table "${tableName}": ${detail})`;
  }
  return message === undefined ? err : new StoreUnavailableError(message, { cause: err });
}
