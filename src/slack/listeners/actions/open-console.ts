import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';

/** A link button still sends an interaction; it only needs its ack. */
export function openConsole() {
  return async ({ ack }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
  };
}
