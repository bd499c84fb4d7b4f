import type pino from 'pino';
import type { Config } from '../config';
import type { FindingsSource } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import type { RemediationService } from '../remediation/remediation-service';
import { cardNote, outcomeReply, proposalMessage } from './blocks/proposal-message';
import { channelCardOptions } from './card-options';
import type { ChannelDeps, RemediationDeps, SlackDeps } from './deps';

const nowS = () => Math.floor(Date.now() / 1000);

/** Everything the remediation listeners use; only built when a store, FINDINGS_CHANNEL and EC2 access exist. */
export interface RemediationContext {
  config: Config;
  logger: pino.Logger;
  findings: FindingsSource;
  channel: ChannelDeps;
  remediation: RemediationDeps;
  service: RemediationService;
  messages: ProposalMessages;
}

export function remediationContext(deps: SlackDeps): RemediationContext | undefined {
  const { channel, remediation } = deps;
  if (!channel || !remediation) return undefined;
  const messages = new ProposalMessages(channel, deps.findings, deps.logger);
  return {
    config: deps.config,
    logger: deps.logger,
    findings: deps.findings,
    channel,
    remediation,
    service: remediation.service,
    messages,
  };
}

/** The Slack side of a proposal's life: its message in the finding's thread, the outcome reply, the card note. */
export class ProposalMessages {
  private readonly log: pino.Logger;

  constructor(
    private readonly channel: ChannelDeps,
    private readonly findings: FindingsSource,
    logger: pino.Logger,
  ) {
    this.log = logger.child({ component: 'proposal-messages' });
  }

  /** Posts the proposal in its thread and records the message ts. */
  async post(p: Proposal): Promise<Proposal> {
    const { text, blocks } = proposalMessage(p, nowS());
    const ts = await this.channel.publisher.replyInThread(p.channel, p.threadTs, { text, blocks });
    await this.channel.store.setMessageTs(p.findingId, p.id, ts);
    return { ...p, messageTs: ts };
  }

  /** Redraws the proposal message for its current state (buttons while it can be decided, the outcome after). */
  async show(p: Proposal): Promise<void> {
    if (!p.messageTs) {
      this.log.warn({ findingId: p.findingId, proposalId: p.id }, 'proposal has no message to update');
      return;
    }
    const { text, blocks } = proposalMessage(p, nowS());
    await this.channel.messenger.update(p.channel, p.messageTs, text, blocks);
  }

  /** The outcome as a thread reply, then (best effort) a note on the finding's card. */
  async announce(p: Proposal): Promise<void> {
    await this.channel.publisher.replyInThread(p.channel, p.threadTs, { text: outcomeReply(p) });
    const note = cardNote(p);
    if (!note) return;
    try {
      const record = await this.channel.store.addCardNote(p.findingId, note);
      if (!record?.channel || !record.ts) return;
      const finding = await this.findings.findById(p.findingId, p.plan.region);
      if (finding) await this.channel.messenger.updateCard(record.channel, record.ts, finding, channelCardOptions(finding, record));
    } catch (err) {
      this.log.warn({ err, findingId: p.findingId, proposalId: p.id }, 'card note not shown');
    }
  }

  /** After a decision: redraw the message, then announce; a failure of one does not stop the other. */
  async settle(p: Proposal): Promise<void> {
    try {
      await this.show(p);
    } catch (err) {
      this.log.warn({ err, findingId: p.findingId, proposalId: p.id }, 'proposal message not updated');
    }
    await this.announce(p);
  }
}

/** Start-up: finishes executions a crashed process left behind and shows their outcome. */
export async function resumeStalledProposals(ctx: RemediationContext): Promise<number> {
  const finished = await ctx.service.resumeStalled();
  for (const p of finished) {
    try {
      await ctx.messages.settle(p);
    } catch (err) {
      ctx.logger.warn({ err, findingId: p.findingId, proposalId: p.id }, 'resumed outcome not posted');
    }
  }
  return finished.length;
}
