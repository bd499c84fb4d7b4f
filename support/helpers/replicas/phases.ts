/**
 * The scenario steps, shared by test/integration/two-replicas.test.ts and scripts/two-replicas.ts so both run
 * exactly the same code at different scales: concurrent polls, the lease round, proposals, approvals, outcomes.
 */
import type { Proposal } from '../../../src/domain/proposal';
import { proposeSubmission } from '../remediation-harness';
import { click, interaction, type SignedResponse } from '../signed-request';
import type { SlackStandIn } from '../slack-stand-in';
import type { Probe } from './generators';
import type { Replica } from './replica';
import { cardFindingId, isCardNoteUpdate, isOutcomeReply } from './slack-calls';
import { APPROVER, REPLICA_CHANNEL, REPLICA_REGIONS, REQUESTER, SECOND_APPROVER, TRUSTED_SOURCE, type World } from './world';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- feed phase

/**
 * Every replica polls every region at the same moment, ignoring the region leases (the race a lease normally
 * prevents), then every replica drains the channel's outbox at once (its lease lets one of them post).
 */
export async function pollAllConcurrently(replicas: readonly Replica[], regions = REPLICA_REGIONS): Promise<{ failed: number }> {
  const results = await Promise.allSettled(replicas.flatMap((r) => regions.map((region) => r.poller.pollOnce(region))));
  const drains = await Promise.allSettled(replicas.map((r) => r.outbox.drain(REPLICA_CHANNEL)));
  return { failed: [...results, ...drains].filter((x) => x.status === 'rejected').length };
}

/** Waits until `n` cards have been posted (or the time is up). */
export async function waitForCards(slack: SlackStandIn, n: number, timeoutMs: number): Promise<void> {
  await slack.waitFor(() => slack.callsTo('chat.postMessage').filter((c) => cardFindingId(c)).length >= n, timeoutMs, `${n} cards`);
}

export interface LeaseRound {
  /** Per region: ListFindings sweeps by each replica during the round. */
  sweeps: Record<string, number[]>;
  /** Regions swept by more than one replica (must be none). */
  shared: string[];
  /** Regions nobody swept (must be none). */
  unswept: string[];
  ms: number;
}

/**
 * Starts every replica's lease loop together, waits for `expectCards` cards and until each region has been swept
 * at least `minSweeps` times, then stops them (releasing leases). Shows that one replica per region polls.
 */
export async function leaseRound(
  replicas: readonly Replica[],
  world: Pick<World, 'slack'>,
  expectCards: number,
  minSweeps = 2,
  regions = REPLICA_REGIONS,
  timeoutMs = 30_000,
): Promise<LeaseRound> {
  const before = replicas.map((r) => new Map(r.source.sweeps));
  const swept = (r: Replica, i: number, region: string) => (r.source.sweeps.get(region) ?? 0) - (before[i]?.get(region) ?? 0);
  const started = performance.now();
  for (const r of replicas) {
    r.poller.start();
    r.outbox.start();
  }
  try {
    await waitForCards(world.slack, expectCards, timeoutMs);
    await world.slack.waitFor(
      () => regions.every((region) => replicas.reduce((n, r, i) => n + swept(r, i, region), 0) >= minSweeps),
      timeoutMs,
      'lease sweeps',
    );
  } finally {
    await Promise.all(replicas.flatMap((r) => [r.poller.stop(), r.outbox.stop()]));
  }
  const ms = performance.now() - started;
  const sweeps: Record<string, number[]> = {};
  for (const region of regions) sweeps[region] = replicas.map((r, i) => swept(r, i, region));
  return {
    sweeps,
    shared: regions.filter((region) => (sweeps[region] ?? []).filter((n) => n > 0).length > 1),
    unswept: regions.filter((region) => (sweeps[region] ?? []).every((n) => n === 0)),
    ms,
  };
}

// ---------------------------------------------------------------- remediation phase

/**
 * One proposal per probe through signed view submissions of the propose modal (REQUESTER, TRUSTED_SOURCE),
 * alternating between replicas; resolves with the stored proposals once each has its message in the thread.
 */
export async function proposeAll(
  replicas: readonly Replica[],
  world: Pick<World, 'slack' | 'store'>,
  probes: readonly Probe[],
  timeoutMs = 30_000,
): Promise<Proposal[]> {
  const before = world.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('Fix proposed')).length;
  const acks = await Promise.all(
    probes.map((p, i) => {
      const replica = replicas[i % replicas.length] as Replica;
      return interaction(
        replica.events,
        proposeSubmission(REQUESTER, TRUSTED_SOURCE, `V0REP${String(i).padStart(5, '0')}`, `${p.region} ${p.findingId} ${REPLICA_CHANNEL}`),
      );
    }),
  );
  const bad = acks.filter((a) => a.status !== 200 || a.body !== '');
  if (bad.length > 0) throw new Error(`${bad.length} submissions were not acked cleanly: ${bad[0]?.status} ${bad[0]?.body}`);
  const deadline = Date.now() + timeoutMs;
  await world.slack.waitFor(
    () =>
      world.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('Fix proposed')).length - before >=
        probes.length || world.slack.callsTo('chat.postEphemeral').length > 0,
    timeoutMs,
    'proposal messages',
  );
  const told = world.slack.callsTo('chat.postEphemeral');
  if (told.length > 0) throw new Error(`a proposal was not created: ${String(told[0]?.body.text)}`);
  for (;;) {
    const lists = await Promise.all(probes.map((p) => world.store.listProposals(p.findingId)));
    const proposals = lists.flat();
    if (proposals.length === probes.length && proposals.every((p) => p.messageTs)) return proposals;
    if (Date.now() > deadline)
      throw new Error(`${proposals.filter((p) => p.messageTs).length}/${probes.length} proposals stored with their message`);
    await sleep(20);
  }
}

export interface ApprovalClick {
  proposalId: string;
  user: string;
  replica: string;
  /** response_url path the refusals (if any) are sent to. */
  path: string;
  res: SignedResponse;
}

/**
 * For every proposal at the same time: the same approval (APPROVER) as signed block_actions to every replica,
 * plus SECOND_APPROVER clicking on the replica that did not post the proposal.
 */
export async function approveAll(
  replicas: readonly Replica[],
  world: Pick<World, 'slack'>,
  proposals: readonly Proposal[],
): Promise<ApprovalClick[]> {
  const plans = proposals.flatMap((p, i) => {
    const other = replicas[(i + 1) % replicas.length] as Replica;
    const targets: [string, Replica][] = [...replicas.map((r): [string, Replica] => [APPROVER, r]), [SECOND_APPROVER, other]];
    return targets.map(([user, replica]) => ({ p, user, replica, path: `approve-${p.id}-${user}-${replica.name}` }));
  });
  return Promise.all(
    plans.map(async ({ p, user, replica, path }) => {
      const res = await click(replica.events, {
        actionId: 'remediation_approve',
        value: `${p.findingId} ${p.id} ${p.planDigest ?? ''}`,
        userId: user,
        channelId: p.channel,
        responseUrl: world.slack.responseUrl(path),
        message: { ts: p.messageTs ?? '', thread_ts: p.threadTs },
      });
      return { proposalId: p.id, user, replica: replica.name, path: `/respond/${path}`, res };
    }),
  );
}

/**
 * Waits until every proposal has its outcome reply and its card note, and every losing click its refusal,
 * then a little longer for strays (a duplicate would arrive in that window).
 */
export async function waitForOutcomes(
  world: Pick<World, 'slack'>,
  proposals: number,
  refusals: number,
  timeoutMs = 30_000,
  settleMs = 300,
): Promise<void> {
  const { slack } = world;
  await slack.waitFor(
    () => slack.callsTo('chat.postMessage').filter(isOutcomeReply).length >= proposals,
    timeoutMs,
    `${proposals} outcome replies`,
  );
  await slack.waitFor(
    () => slack.callsTo('chat.update').filter(isCardNoteUpdate).length >= proposals,
    timeoutMs,
    `${proposals} card notes`,
  );
  await slack.waitFor(
    () => slack.responses.filter((r) => r.path.startsWith('/respond/approve-')).length >= refusals,
    timeoutMs,
    `${refusals} refusals`,
  );
  await sleep(settleMs);
}
