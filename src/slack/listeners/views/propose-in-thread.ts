import type { WebClient } from '@slack/web-api';
import type pino from 'pino';
import { ChatOpsError } from '../../../domain/errors';
import type { Finding } from '../../../domain/finding';
import { proposalIdFrom } from '../../../domain/remediation/proposal-rules';
import type { AnyPlan } from '../../../domain/remediation/types';
import type { RemediationContext } from '../../remediation-context';

/**
 * Stores the plan as a proposal in the finding's thread (the card is posted first when the finding has none) and
 * posts its message. The ID comes from the modal's view ID, so a retried submission of the same modal is a no-op.
 */
export async function proposeInThread(
  ctx: RemediationContext,
  input: { finding: Finding; plan: AnyPlan; requester: string; viewId: string; log: pino.Logger },
): Promise<void> {
  const { finding, plan, requester, viewId, log } = input;
  const card = await ctx.channel.publisher.ensureCard(finding);
  if (!card.channel || !card.ts) throw new Error(`the card of finding ${finding.id} has no message`);
  let proposal;
  try {
    proposal = await ctx.service.createProposal({
      id: proposalIdFrom(`${viewId}|${finding.id}`),
      plan,
      requester,
      channel: card.channel,
      threadTs: card.ts,
    });
  } catch (err) {
    if (err instanceof ChatOpsError && err.code === 'PROPOSAL_EXISTS') {
      log.info('duplicate submission of the same modal ignored');
      return;
    }
    throw err;
  }
  await ctx.messages.post(proposal);
}

/** Tells the person who submitted a propose modal what happened (an ephemeral message where the button was). */
export function requesterNotice(
  ctx: RemediationContext,
  client: WebClient,
  channel: string | undefined,
  requester: string,
  log: pino.Logger,
): (message: string) => Promise<void> {
  return async (message: string) => {
    try {
      await client.chat.postEphemeral({ channel: channel ?? ctx.channel.channel, user: requester, text: message });
    } catch (err) {
      log.warn({ err }, 'could not tell the requester');
    }
  };
}
