/**
 * Two bot replicas on one table: two complete bots in one process (own owner id, Bolt app on its own port with
 * the real HTTP receiver, WebClient, messenger, channel queue, card publisher, feed poller, remediation service)
 * sharing one dynalite table, one Slack stand-in and GuardDuty/EC2 in memory.
 *
 *   (a) 1,000 findings (4 regions, mixed severities) arrive in 3 chunks; after each, both replicas poll every
 *       region at the same moment, ignoring leases; then an idle round; then the newest 10% with both replicas'
 *       lease loops running → every finding at/above the threshold gets exactly one card, none below it, and
 *       per region only one replica polls under the lease.
 *   (b) 100 proposals through signed view submissions of the propose modal (alternating replicas); then for
 *       each, the same Approve (same approver) sent as signed block_actions to BOTH replicas at once plus a
 *       second approver on the other replica → each remediation exactly once.
 *
 * Run: NODE_NO_WARNINGS=1 npx tsx scripts/two-replicas.ts     (REPLICA_FINDINGS, REPLICA_PROPOSALS to scale)
 * Exits 1 when an invariant fails.
 */
import {
  APPROVER,
  ORIGINAL_GROUP_STATE,
  REPLICA_REGIONS,
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
  type Replica,
} from '../support/helpers/replicas';

const FINDINGS = Number(process.env.REPLICA_FINDINGS ?? 1000);
const PROPOSALS = Number(process.env.REPLICA_PROPOSALS ?? 100);
const ROUNDS = 3;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<number> {
  const world = await startWorld({ dynalite: process.env.REPLICA_DYNALITE === 'in-process' ? 'in-process' : 'child-process' });
  const replicas: Replica[] = [];
  const failures: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted))
      failures.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  try {
    replicas.push(await startReplica(world, { name: 'A' }), await startReplica(world, { name: 'B' }));
    const set = makeFindings(FINDINGS, PROPOSALS);
    seedProbeGroups(world.ec2, set.probes);
    const { rounds, lease } = splitForRounds(set.findings, ROUNDS);
    const regions = REPLICA_REGIONS.length;
    console.log(
      `two replicas (${replicas.map((r) => r.owner).join(', ')}) on one dynalite table, ${regions} regions, cards from severity medium (4.0)`,
    );

    // (a) feed: concurrent polls ignoring leases, then the lease loops.
    let t = performance.now();
    let pollFailures = 0;
    for (const chunk of rounds) {
      world.gd.put(...chunk);
      pollFailures += (await pollAllConcurrently(replicas)).failed;
    }
    pollFailures += (await pollAllConcurrently(replicas)).failed;
    const concurrentMs = performance.now() - t;
    const early = new Set(rounds.flat().map((f) => f.Id ?? ''));
    const afterConcurrent = await cardFigures(
      world,
      set,
      [...set.wanted].filter((id) => early.has(id)),
    );
    const wantedEarly = [...set.wanted].filter((id) => early.has(id)).length;

    world.gd.put(...lease);
    const leased = await leaseRound(replicas, world, set.wanted.size);
    await Promise.all(replicas.map((r) => r.queue.idle()));
    const cards = await cardFigures(world, set);

    console.log(`\n(a) feed: ${FINDINGS} findings → ${set.wanted.size} at/above the threshold, ${set.below.size} below`);
    console.log(
      `  ${ROUNDS} rounds + 1 idle round, both replicas × ${regions} regions pollOnce at once (leases ignored): ${early.size} findings in ${seconds(concurrentMs)}, ${pollFailures} failed polls`,
    );
    console.log(
      `    cards ${afterConcurrent.posted} for ${wantedEarly} wanted · duplicates ${afterConcurrent.duplicates} · missing ${afterConcurrent.missing - (set.wanted.size - wantedEarly)}`,
    );
    console.log(
      `  lease loops (both started at once): ${lease.length} newer findings in ${seconds(leased.ms)}; ListFindings sweeps per region [A, B]:`,
    );
    console.log(
      `    ${Object.entries(leased.sweeps)
        .map(([region, n]) => `${region} [${n.join(', ')}]`)
        .join(' · ')}`,
    );
    console.log(
      `  findings: ${FINDINGS} · cards posted: ${cards.posted} (A ${replicas[0]?.messenger.cardsPosted}, B ${replicas[1]?.messenger.cardsPosted}) · duplicates: ${cards.duplicates}`,
    );
    console.log(
      `    missing ${cards.missing} · below threshold posted ${cards.belowPosted} · deleted ${cards.deleted} · store record ≠ the one card ${cards.recordMismatches}`,
    );
    console.log(`    digest items ${cards.digestItems} (of findings not below the threshold: ${cards.digestNotBelow})`);
    expect('failed polls', pollFailures, 0);
    expect('cards after the concurrent rounds', afterConcurrent.posted, wantedEarly);
    expect('duplicate cards after the concurrent rounds', afterConcurrent.duplicates, 0);
    expect('cards posted', cards.posted, set.wanted.size);
    expect('distinct findings with a card', cards.findings, set.wanted.size);
    expect('duplicate cards', cards.duplicates, 0);
    expect('missing cards', cards.missing, 0);
    expect('cards below the threshold', cards.belowPosted, 0);
    expect('deleted cards', cards.deleted, 0);
    expect('store records not matching the card', cards.recordMismatches, 0);
    expect('digest items', cards.digestItems, set.below.size);
    expect('digest items of findings at/above the threshold', cards.digestNotBelow, 0);
    expect('regions polled by both replicas under the lease', leased.shared, []);
    expect('regions not polled under the lease', leased.unswept, []);

    // (b) remediation: proposals through both replicas, then concurrent approvals on both.
    t = performance.now();
    const proposals = await proposeAll(replicas, world, set.probes);
    const proposeMs = performance.now() - t;
    const planCalls = world.ec2.calls.length;
    const untouched = set.probes.filter((p) => world.ec2.state(p.groupId).join() !== ORIGINAL_GROUP_STATE.join()).length;
    world.ec2.resetCalls();
    const appliesBefore = Object.fromEntries(replicas.map((r) => [r.name, r.applies()]));
    t = performance.now();
    const clicks = await approveAll(replicas, world, proposals);
    const clicksMs = performance.now() - t;
    await waitForOutcomes(world, proposals.length, clicks.length - proposals.length);
    const approveMs = performance.now() - t;
    const rem = await remediationFigures(world, replicas, set.probes, proposals, clicks, appliesBefore);
    const cardsAfter = await cardFigures(world, set);

    console.log(
      `\n(b) remediation: ${proposals.length} proposals via signed view submissions (alternating replicas) in ${seconds(proposeMs)}; ${planCalls} EC2 calls to plan them (describe + DryRun), groups changed before approval: ${untouched}`,
    );
    console.log(
      `  ${clicks.length} signed Approve clicks at once (<@${APPROVER}> on both replicas + <@${SECOND_APPROVER}> on the other), acked in ${seconds(clicksMs)}; all outcomes posted after ${seconds(approveMs)}`,
    );
    console.log(
      `  proposals: ${rem.proposals} · executed: ${rem.executed} · executions: ${rem.executions} (${Object.entries(rem.executionsByReplica)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}) · duplicate executions: ${rem.duplicateExecutions}`,
    );
    console.log(
      `  EC2: ${rem.authorizeCalls} AuthorizeSecurityGroupIngress, ${rem.revokeCalls} RevokeSecurityGroupIngress; per remediation ${rem.ec2CallsPerRemediation[0] === rem.ec2CallsPerRemediation[1] ? rem.ec2CallsPerRemediation[0] : rem.ec2CallsPerRemediation.join('–')} calls (1 authorize, 1 describe, 2 revokes, 1 verify)`,
    );
    console.log(
      `    groups not authorized exactly once ${rem.groupsNotAuthorizedOnce} · world-open rules not revoked exactly once ${rem.groupsNotRevokedOnce} · groups in a wrong state ${rem.groupsWrongState}`,
    );
    console.log(
      `  outcome replies: ${rem.outcomeReplies} · threads without exactly one ${rem.threadsNotOneOutcome} · proposals without exactly one winning click ${rem.proposalsNotOneWinner} · cards without exactly one note ${rem.cardsNotOneNote}`,
    );
    console.log(
      `  approve ack latency (all ${clicks.length} clicks sent at once; both replicas, clients and stand-ins share one event loop): median ${rem.ackMs.median.toFixed(1)} ms · p99 ${rem.ackMs.p99.toFixed(1)} ms · max ${rem.ackMs.max.toFixed(1)} ms · non-200 ${rem.badAcks}`,
    );
    console.log(`  cards after (b): ${cardsAfter.posted} · duplicates ${cardsAfter.duplicates}`);
    expect('EC2 groups changed before approval', untouched, 0);
    expect('proposals', rem.proposals, PROPOSALS);
    expect('executed proposals', rem.executed, PROPOSALS);
    expect('executions', rem.executions, PROPOSALS);
    expect('duplicate executions', rem.duplicateExecutions, 0);
    expect('AuthorizeSecurityGroupIngress calls', rem.authorizeCalls, PROPOSALS);
    expect('RevokeSecurityGroupIngress calls', rem.revokeCalls, 2 * PROPOSALS);
    expect('groups not authorized exactly once', rem.groupsNotAuthorizedOnce, 0);
    expect('groups not revoked exactly once', rem.groupsNotRevokedOnce, 0);
    expect('groups in a wrong state', rem.groupsWrongState, 0);
    expect('EC2 calls per remediation', rem.ec2CallsPerRemediation, [5, 5]);
    expect('outcome replies', rem.outcomeReplies, PROPOSALS);
    expect('threads without exactly one outcome', rem.threadsNotOneOutcome, 0);
    expect('proposals without exactly one winner', rem.proposalsNotOneWinner, 0);
    expect('cards without exactly one note', rem.cardsNotOneNote, 0);
    expect('non-200 acks', rem.badAcks, 0);
    expect('cards after remediation', cardsAfter.posted, set.wanted.size);

    const warnings = replicas.flatMap((r) => r.warnings().map((w) => `${r.name}: ${w.msg}`));
    const distinct = [...new Set(warnings)];
    console.log(`\nwarnings logged: ${warnings.length}${distinct.length > 0 ? ` (${distinct.slice(0, 5).join('; ')})` : ''}`);
  } finally {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await world.stop();
  }
  if (failures.length > 0) {
    console.error(`\nFAILED (${failures.length}):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('\nall invariants hold: every card once, every remediation once');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
