import { ChatOpsError } from '../domain/errors';

export class RemediationError extends ChatOpsError {}

/** The outcome could not be written; the proposal stays `executing` and is resumed at the next start. */
export class OutcomeNotRecordedError extends ChatOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OUTCOME_NOT_RECORDED', message, options);
  }
}
