import type { WebClient } from '@slack/web-api';
import type pino from 'pino';
import { describeError } from '../domain/errors';
import { decideTake, triageOf } from '../domain/ownership';
import type { ApproverPolicy, CardRecord, StateStore } from '../domain/ports';
import { ownedPrompt, type OwnershipMessage } from './blocks/ownership';
import { mrkdwn, userMention } from './blocks/text';
import { SlackApproverPolicy } from './approver-policy';
import { recordOnCard } from './card-activity';
import type { SlackDeps } from './deps';
import type { ButtonArgs } from './listeners/action-router';
import { afterAck } from './work-queue';
import type { FindingRef } from './values';

/** What the ownership listeners share: the store, telling the person, recording a change on the card and in its thread. */

export const NO_STORE =
  ":information_source: Who owns a finding is kept in the bot's state store (DYNAMODB_TABLE, or the embedded store in DATA_DIR); ask whoever runs the bot to configure it.";
export const NO_CARD = ':grey_question: This finding has no card record: ownership is kept on the card the bot posted in a channel.';
export const STALE_BUTTON = 'That button is not valid any more.';

export interface Reply {
  say(text: string): Promise<unknown>;
  show(message: OwnershipMessage, replace?: boolean): Promise<unknown>;
}

export function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

export function ownershipStore(deps: SlackDeps): StateStore | undefined {
  return deps.store ?? deps.channel?.store;
}

export function reply(respond: ButtonArgs['respond']): Reply {
  return {
    say: (text) => respond({ response_type: 'ephemeral', replace_original: false, text }),
    show: (message, replace = false) => respond({ response_type: 'ephemeral', replace_original: replace, ...message }),
  };
}

/** Runs the listener's work after the ack (through the work queue); a failure is told to the person, never half-told. */
export async function runOwnershipAction(
  deps: SlackDeps,
  args: ButtonArgs,
  name: string,
  work: (ctx: { store: StateStore; user: string; out: Reply; log: pino.Logger }) => Promise<unknown>,
): Promise<void> {
  const out = reply(args.respond);
  const user = args.body.user.id;
  const store = ownershipStore(deps);
  if (!store) return void (await out.say(NO_STORE));
  const log = deps.logger.child({ action: name, user });
  try {
    await afterAck(deps.work, () => work({ store, user, out, log }));
  } catch (err) {
    if (deps.work?.quietBusy(err, user)) return;
    log.warn({ err }, `${name} failed`);
    await out.say(`:warning: Nothing was changed: ${mrkdwn(describeError(err), 800)}`);
  }
}

/** Who may resolve what someone else owns: the remediation approvers, else APPROVER_USER_IDS / APPROVER_USERGROUP_ID. */
export function approverPolicy(deps: SlackDeps, client: WebClient): ApproverPolicy {
  const { userIds, usergroupId } = deps.config.approval;
  return deps.remediation?.approvers ?? new SlackApproverPolicy({ userIds, usergroupId, client });
}

/**
 * Take (`target` = the clicker) or Assign… (`target` = the person picked): one conditional write when nobody owns
 * the finding; when someone else does, the person is offered Reassign, pinned on that owner.
 */
export async function takeOrAssign(
  deps: SlackDeps,
  store: StateStore,
  ref: FindingRef,
  target: string,
  actor: string,
  out: Reply,
  log: pino.Logger,
): Promise<void> {
  const card = await store.getCard(ref.id);
  if (!card) return void (await out.say(NO_CARD));
  const answer = async (current: CardRecord | undefined): Promise<void> => {
    if (!current) return void (await out.say(NO_CARD));
    const decision = decideTake(triageOf(current), target);
    if (decision.kind === 'owned') return void (await out.show(ownedPrompt(ref, decision.owner, decision.since, target, actor)));
    const whom = target === actor ? 'You already own' : `${userMention(target)} already owns`;
    await out.say(`:bust_in_silhouette: ${whom} this finding; nothing was changed.`);
  };
  if (decideTake(triageOf(card), target).kind !== 'take') return answer(card);
  const change = await store.takeFinding(ref.id, target, nowS());
  if (!change.ok) return answer(change.card);
  log.info({ owner: target }, 'finding taken');
  const note =
    target === actor
      ? `:raising_hand: ${userMention(actor)} took this finding: investigating`
      : `:point_right: ${userMention(actor)} assigned this finding to ${userMention(target)}: investigating`;
  await announce(deps, store, ref, note, log);
  await out.say(
    target === actor ? ':raising_hand: You own this finding now.' : `:point_right: ${userMention(target)} owns this finding now.`,
  );
}

/**
 * A line on the card and in its thread saying who changed what (the card redrawn with its owner and status).
 * Without the finding in GuardDuty or a channel, the note is still kept on the record.
 */
export async function announce(deps: SlackDeps, store: StateStore, ref: FindingRef, note: string, log: pino.Logger): Promise<void> {
  try {
    const finding = await deps.findings.findById(ref.id, ref.region);
    // recordOnCard keeps the note whether or not the card could be redrawn: never add it a second time.
    if (finding && deps.channel) return void (await recordOnCard(deps.channel, finding, note, log));
    const record = await store.addCardNote(ref.id, note);
    if (deps.channel && record?.channel && record.ts) await deps.channel.publisher.replyInThread(record.channel, record.ts, { text: note });
  } catch (err) {
    // The change is made (the store says so); only telling the channel failed.
    log.warn({ err, findingId: ref.id }, 'ownership change not shown on the card');
  }
}
