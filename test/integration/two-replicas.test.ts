/**
 * Two bot replicas on one table (issue 5, "Load"): the same invariants as scripts/two-replicas.ts at a smaller
 * scale. Both replicas are complete bots (own owner, Bolt app on its own port, queue, publisher, poller,
 * remediation service) sharing one dynalite table, one Slack stand-in and GuardDuty/EC2 in memory.
 * The tests run in order and build on each other (cards → proposals in their threads → approvals).
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import type { Proposal } from '../../src/domain/proposal';
import {
  APPROVER,
  ORIGINAL_GROUP_STATE,
  REPLICA_REGIONS,
  REQUESTER,
  SECOND_APPROVER,
  approveAll,
  cardFigures,
  leaseRound,
  makeFindings,
  pollAllConcurrently,
  proposeAll,
  remediationFigures,
  seedProbeGroups,
  splitForRounds,
  startReplica,
  startWorld,
  waitForOutcomes,
  type FindingSet,
  type Replica,
  type World,
} from '../../support/helpers/replicas';

const FINDINGS = 200;
const PROPOSALS = 20;

describe('two replicas on one table', () => {
  let world: World;
  let a: Replica;
  let b: Replica;
  let set: FindingSet;
  let rounds: SdkFinding[][];
  let lease: SdkFinding[];
  let proposals: Proposal[] = [];

  beforeAll(async () => {
    world = await startWorld();
    a = await startReplica(world, { name: 'A' });
    b = await startReplica(world, { name: 'B' });
    set = makeFindings(FINDINGS, PROPOSALS);
    seedProbeGroups(world.ec2, set.probes);
    ({ rounds, lease } = splitForRounds(set.findings, 3));
  });
  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await world?.stop();
  });

  test('the scenario is what it claims: mixed severities on both sides of the threshold, probes in every region', () => {
    expect(set.findings).toHaveLength(FINDINGS);
    expect(set.wanted.size).toBe(140);
    expect(set.below.size).toBe(60);
    expect(set.probes).toHaveLength(PROPOSALS);
    expect(new Set(set.probes.map((p) => p.region))).toEqual(new Set(REPLICA_REGIONS));
    expect(new Set(set.probes.map((p) => p.groupId)).size).toBe(PROPOSALS);
    expect(rounds.flat().length + lease.length).toBe(FINDINGS);
    expect(a.owner).not.toBe(b.owner);
    expect(a.events).not.toBe(b.events);
  });

  test('both replicas polling every region at the same moment (leases ignored): one card per finding at/above the threshold, none below', async () => {
    for (const chunk of rounds) {
      world.gd.put(...chunk);
      expect(await pollAllConcurrently([a, b])).toEqual({ failed: 0 });
    }
    expect(await pollAllConcurrently([a, b])).toEqual({ failed: 0 });
    const early = new Set(rounds.flat().map((f) => f.Id));
    const wantedEarly = [...set.wanted].filter((id) => early.has(id));
    const belowEarly = [...set.below].filter((id) => early.has(id));
    const figures = await cardFigures(world, set, wantedEarly);
    expect(figures).toEqual({
      posted: wantedEarly.length,
      findings: wantedEarly.length,
      duplicates: 0,
      missing: set.wanted.size - wantedEarly.length,
      belowPosted: 0,
      deleted: 0,
      recordMismatches: 0,
      digestItems: belowEarly.length,
      digestNotBelow: 0,
    });
    // Both recorded the same findings in the channel's outbox at once; the drain lease let one of them post them all.
    expect([a.messenger.cardsPosted, b.messenger.cardsPosted].sort((x, y) => x - y)).toEqual([0, wantedEarly.length]);
  });

  test('with their lease loops running, one replica per region polls; the newest findings get their cards, once', async () => {
    world.gd.put(...lease);
    const leased = await leaseRound([a, b], world, set.wanted.size);
    expect(leased.shared).toEqual([]);
    expect(leased.unswept).toEqual([]);
    for (const region of REPLICA_REGIONS) expect((leased.sweeps[region] ?? []).filter((n) => n > 0)).toHaveLength(1);
    expect(await cardFigures(world, set)).toEqual({
      posted: set.wanted.size,
      findings: set.wanted.size,
      duplicates: 0,
      missing: 0,
      belowPosted: 0,
      deleted: 0,
      recordMismatches: 0,
      digestItems: set.below.size,
      digestNotBelow: 0,
    });
    expect(a.warnings().concat(b.warnings())).toEqual([]);
  });

  test('proposals submitted through the modal on both replicas are stored once and posted in their finding threads', async () => {
    proposals = await proposeAll([a, b], world, set.probes);
    expect(proposals).toHaveLength(PROPOSALS);
    const cards = await world.store.getCards(set.probes.map((p) => p.findingId));
    for (const p of set.probes) {
      const mine = proposals.filter((x) => x.findingId === p.findingId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        state: 'proposed',
        requester: REQUESTER,
        threadTs: cards.get(p.findingId)?.ts,
        messageTs: expect.stringMatching(/^\d+\.\d+$/),
      });
      expect(world.ec2.state(p.groupId)).toEqual(ORIGINAL_GROUP_STATE);
    }
    expect(world.ec2.writes()).toEqual([]);
    // The cards already existed: proposing posted none.
    expect((await cardFigures(world, set, [])).posted).toBe(set.wanted.size);
    world.ec2.resetCalls();
  });

  test('the same approval sent to both replicas at once, plus a second approver on the other replica: every remediation exactly once', async () => {
    expect(proposals).toHaveLength(PROPOSALS);
    const before = { A: a.applies(), B: b.applies() };
    const clicks = await approveAll([a, b], world, proposals);
    expect(clicks).toHaveLength(3 * PROPOSALS);
    expect(clicks.filter((c) => c.user === APPROVER)).toHaveLength(2 * PROPOSALS);
    expect(clicks.filter((c) => c.user === SECOND_APPROVER)).toHaveLength(PROPOSALS);
    await waitForOutcomes(world, PROPOSALS, 2 * PROPOSALS);
    const figures = await remediationFigures(world, [a, b], set.probes, proposals, clicks, before);
    expect(figures).toMatchObject({
      proposals: PROPOSALS,
      executed: PROPOSALS,
      executions: PROPOSALS,
      duplicateExecutions: 0,
      groupsNotAuthorizedOnce: 0,
      groupsNotRevokedOnce: 0,
      groupsWrongState: 0,
      authorizeCalls: PROPOSALS,
      revokeCalls: 2 * PROPOSALS,
      ec2CallsPerRemediation: [5, 5],
      outcomeReplies: PROPOSALS,
      threadsNotOneOutcome: 0,
      proposalsNotOneWinner: 0,
      cardsNotOneNote: 0,
      badAcks: 0,
    });
    expect((figures.executionsByReplica.A ?? 0) + (figures.executionsByReplica.B ?? 0)).toBe(PROPOSALS);
    const stored = (await Promise.all(set.probes.map((p) => world.store.listProposals(p.findingId)))).flat();
    expect(stored.map((p) => p.state)).toEqual(Array(PROPOSALS).fill('executed'));
    expect(stored.every((p) => p.approver === APPROVER || p.approver === SECOND_APPROVER)).toBe(true);
    // Still one card per finding.
    expect((await cardFigures(world, set, [])).posted).toBe(set.wanted.size);
    expect(a.warnings().concat(b.warnings())).toEqual([]);
  });
});
