/** The invariant checks after each phase: cards per finding, and every remediation exactly once. */
import type { Proposal } from '../../../src/domain/proposal';
import { FIXED_GROUP_STATE, type FindingSet, type Probe } from './generators';
import type { ApprovalClick } from './phases';
import type { Replica } from './replica';
import { cardFindingId, isOutcomeReply } from './slack-calls';
import { REPLICA_CHANNEL, type World } from './world';

export interface CardFigures {
  /** chat.postMessage calls that were cards. */
  posted: number;
  /** Distinct findings with a card. */
  findings: number;
  /** Cards beyond the first, over all findings. */
  duplicates: number;
  /** Wanted findings with no card. */
  missing: number;
  /** Cards of findings below the threshold. */
  belowPosted: number;
  /** Cards deleted (a lapsed claim cleaning up after itself). */
  deleted: number;
  /** Wanted findings whose store record is not `posted` with the ts of the one card in the channel. */
  recordMismatches: number;
  /** Items pending for the digest (below-threshold findings), and how many of them are not of a below-threshold finding. */
  digestItems: number;
  digestNotBelow: number;
}

/** Counts cards per finding from what the stand-in received (message metadata finding_id). */
export async function cardFigures(
  world: Pick<World, 'slack' | 'store'>,
  set: Pick<FindingSet, 'wanted' | 'below'>,
  check: Iterable<string> = set.wanted,
): Promise<CardFigures> {
  const perFinding = new Map<string, number>();
  let posted = 0;
  for (const call of world.slack.callsTo('chat.postMessage')) {
    const id = cardFindingId(call);
    if (!id) continue;
    posted++;
    perFinding.set(id, (perFinding.get(id) ?? 0) + 1);
  }
  let duplicates = 0;
  let belowPosted = 0;
  for (const [id, n] of perFinding) {
    duplicates += n - 1;
    if (set.below.has(id)) belowPosted += n;
  }
  let missing = 0;
  for (const id of set.wanted) if (!perFinding.has(id)) missing++;
  const messages = new Map<string, string[]>();
  for (const m of world.slack.channelMessages(REPLICA_CHANNEL)) {
    const id = (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id;
    if (id) messages.set(id, [...(messages.get(id) ?? []), m.ts]);
  }
  const ids = [...check];
  const records = new Map<string, { state: string; ts?: string }>();
  for (let i = 0; i < ids.length; i += 100) {
    const got = await world.store.getCards(ids.slice(i, i + 100));
    for (const [id, r] of got) records.set(id, r);
  }
  let recordMismatches = 0;
  for (const id of ids) {
    const r = records.get(id);
    const ts = messages.get(id);
    if (r?.state !== 'posted' || !ts || ts.length !== 1 || ts[0] !== r.ts) recordMismatches++;
  }
  const digest = await world.store.listDigestItems(REPLICA_CHANNEL);
  return {
    posted,
    findings: perFinding.size,
    duplicates,
    missing,
    belowPosted,
    deleted: world.slack.callsTo('chat.delete').length,
    recordMismatches,
    digestItems: digest.length,
    digestNotBelow: digest.filter((d) => !set.below.has(d.findingId)).length,
  };
}

export interface RemediationFigures {
  proposals: number;
  /** Proposals in state `executed` with a successful result. */
  executed: number;
  /** EC2 apply runs over all replicas. */
  executions: number;
  executionsByReplica: Record<string, number>;
  duplicateExecutions: number;
  /** Groups without exactly one (non-DryRun) AuthorizeSecurityGroupIngress. */
  groupsNotAuthorizedOnce: number;
  /** Groups whose two world-open rules were not each revoked exactly once (and nothing else revoked). */
  groupsNotRevokedOnce: number;
  /** Groups whose rules are not the expected fixed state. */
  groupsWrongState: number;
  authorizeCalls: number;
  revokeCalls: number;
  /** Non-DryRun EC2 calls per remediation (per group): min and max. */
  ec2CallsPerRemediation: [number, number];
  /** Threads without exactly one outcome reply. */
  threadsNotOneOutcome: number;
  outcomeReplies: number;
  /** Proposals whose clicks did not end as one winner (no response) and the rest "Already approved". */
  proposalsNotOneWinner: number;
  /** Cards without exactly one note. */
  cardsNotOneNote: number;
  /** Approve acks that were not HTTP 200. */
  badAcks: number;
  ackMs: { median: number; p99: number; max: number };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Checks every remediation ran exactly once: EC2 calls per group, store state, thread replies, click outcomes. */
export async function remediationFigures(
  world: Pick<World, 'slack' | 'store' | 'ec2'>,
  replicas: readonly Replica[],
  probes: readonly Probe[],
  proposals: readonly Proposal[],
  clicks: readonly ApprovalClick[],
  appliesBefore: Record<string, number>,
): Promise<RemediationFigures> {
  const { slack, store, ec2 } = world;
  const writes = ec2.calls.filter((c) => !c.dryRun);
  const forGroup = (g: string) =>
    writes.filter(
      (c) =>
        c.input.GroupId === g || ((c.input.Filters as { Values?: string[] }[] | undefined)?.some((f) => f.Values?.includes(g)) ?? false),
    );
  let groupsNotAuthorizedOnce = 0;
  let groupsNotRevokedOnce = 0;
  let groupsWrongState = 0;
  const perRemediation: number[] = [];
  for (const p of probes) {
    const calls = forGroup(p.groupId);
    perRemediation.push(calls.length);
    if (calls.filter((c) => c.op === 'AuthorizeSecurityGroupIngress').length !== 1) groupsNotAuthorizedOnce++;
    const revoked = calls
      .filter((c) => c.op === 'RevokeSecurityGroupIngress')
      .flatMap((c) => (c.input.SecurityGroupRuleIds as string[] | undefined) ?? ['(by content)']);
    if (revoked.length !== p.worldRuleIds.length || [...p.worldRuleIds].sort().join() !== [...revoked].sort().join())
      groupsNotRevokedOnce++;
    if (ec2.state(p.groupId).join('\n') !== FIXED_GROUP_STATE.join('\n')) groupsWrongState++;
  }

  const stored = (await Promise.all(probes.map((p) => store.listProposals(p.findingId)))).flat();
  const executed = stored.filter((p) => p.state === 'executed' && p.result?.ok === true).length;

  const outcomeReplies = slack.callsTo('chat.postMessage').filter(isOutcomeReply);
  let threadsNotOneOutcome = 0;
  for (const p of proposals) if (outcomeReplies.filter((c) => c.body.thread_ts === p.threadTs).length !== 1) threadsNotOneOutcome++;

  const responses = new Map<string, string[]>();
  for (const r of slack.responses) responses.set(r.path, [...(responses.get(r.path) ?? []), String(r.body.text)]);
  let proposalsNotOneWinner = 0;
  for (const p of proposals) {
    const mine = clicks.filter((c) => c.proposalId === p.id);
    const winners = mine.filter((c) => !responses.has(c.path));
    const losersOk = mine
      .filter((c) => responses.has(c.path))
      .every((c) => {
        const texts = responses.get(c.path) ?? [];
        return (
          texts.length === 1 &&
          /^:(white_check_mark|hourglass_flowing_sand): Already approved by <@U0(BOB00001|CAROL001)>/.test(texts[0] ?? '')
        );
      });
    const approver = stored.find((s) => s.id === p.id)?.approver;
    if (winners.length !== 1 || !losersOk || winners[0]?.user !== approver) proposalsNotOneWinner++;
  }

  const cards = await store.getCards(probes.map((p) => p.findingId));
  const cardsNotOneNote = probes.filter((p) => cards.get(p.findingId)?.notes?.length !== 1).length;

  const executionsByReplica: Record<string, number> = {};
  for (const r of replicas) executionsByReplica[r.name] = r.applies() - (appliesBefore[r.name] ?? 0);
  const executions = Object.values(executionsByReplica).reduce((a, b) => a + b, 0);
  const acks = clicks.map((c) => c.res.latencyMs).sort((a, b) => a - b);
  return {
    proposals: proposals.length,
    executed,
    executions,
    executionsByReplica,
    duplicateExecutions: Math.max(0, executions - proposals.length),
    groupsNotAuthorizedOnce,
    groupsNotRevokedOnce,
    groupsWrongState,
    authorizeCalls: writes.filter((c) => c.op === 'AuthorizeSecurityGroupIngress').length,
    revokeCalls: writes.filter((c) => c.op === 'RevokeSecurityGroupIngress').length,
    ec2CallsPerRemediation: [Math.min(...perRemediation), Math.max(...perRemediation)],
    threadsNotOneOutcome,
    outcomeReplies: outcomeReplies.length,
    proposalsNotOneWinner,
    cardsNotOneNote,
    badAcks: clicks.filter((c) => c.res.status !== 200).length,
    ackMs: { median: percentile(acks, 50), p99: percentile(acks, 99), max: acks.at(-1) ?? Number.NaN },
  };
}
