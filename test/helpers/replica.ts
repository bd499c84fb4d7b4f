/**
 * Two (or more) complete bot "replicas" in one Node process, sharing one DynamoDB table (dynalite), one Slack
 * stand-in and the in-memory GuardDuty/EC2 fakes (aws-sdk-client-mock answers every client instance).
 * Each replica is composed like src/main.ts: its own owner id, WebClient, SlackMessenger, ChannelQueue,
 * CardPublisher, FeedPoller, RemediationService and Bolt app on its own ephemeral port (real HTTP receiver).
 *
 * Used by test/integration/two-replicas.test.ts and scripts/two-replicas.ts; the scenario steps and the
 * invariant checks live here too, so both run exactly the same code at different scales.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import type { App } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import type { Config } from '../../src/config';
import type { FindingQuery, RemediationExecutorFactory } from '../../src/domain/ports';
import type { Proposal } from '../../src/domain/proposal';
import type { ExecutionResult } from '../../src/domain/remediation/types';
import { BAND_FLOOR, type SeverityBand } from '../../src/domain/severity';
import { CardPublisher } from '../../src/feed/card-publisher';
import { ChannelQueue } from '../../src/feed/channel-queue';
import { FeedPoller } from '../../src/feed/feed-poller';
import { createLogger } from '../../src/logger';
import { testSealer } from './sealer';
import { composeBot } from '../../src/compose';
import { SlackMessenger } from '../../src/slack/messenger';
import { UserRateLimit } from '../../src/slack/user-rate-limit';
import { type RemediationContext } from '../../src/slack/remediation-context';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { ensureTable } from '../../src/store/table';
import { LogCapture, TEST_CREDENTIALS, guardDutyClients, testConfig } from './bot-harness';
import { TEST_TABLE, localClientConfig, startTestDynamo, type TestDynamo } from './dynalite';
import type { Ec2Rule as FakeRule } from '../fakes/ec2/rules';
import { FakeEc2 } from '../fakes/ec2/sdk-mock';
import { FakeGuardDuty } from '../fakes/guardduty/sdk-mock';
import { variant } from './fixtures';
import { proposeSubmission } from './remediation-harness';
import { click, interaction, type SignedResponse } from './signed-request';
import { SlackStandIn, type ApiCall } from './slack-stand-in';
import { undiciFetch } from '../../src/slack/undici-fetch';

export const REPLICA_CHANNEL = 'C0REPLICAS1';
export const REPLICA_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
export const MIN_BAND: SeverityBand = 'medium';
export const REQUESTER = 'U0ALICE001';
export const APPROVER = 'U0BOB00001';
export const SECOND_APPROVER = 'U0CAROL001';
export const TRUSTED_SOURCE = '203.0.113.0/24';
const SCRIPTED_PACE = new UserRateLimit({ capacity: 1_000_000 });
const TRUSTED_DESCRIPTION = 'guardduty-chatops: replaces world-open 22';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the shared world

export interface World {
  slack: SlackStandIn;
  dynamo: TestDynamo;
  store: DynamoStateStore;
  gd: FakeGuardDuty;
  ec2: FakeEc2;
  stop(): Promise<void>;
}

/**
 * dynalite in a child process (in memory), so that the database's CPU does not compete with the two replicas
 * for this process's event loop (in production DynamoDB is a remote service, not a neighbour on the loop).
 */
export async function startDynaliteProcess(tableName = TEST_TABLE): Promise<TestDynamo> {
  const child = spawn(process.execPath, [require.resolve('dynalite/cli.js'), '--host', '127.0.0.1', '--port', '0', '--createTableMs', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /listening at: \S+:(\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
    }
  };
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, doc: DynamoDBDocumentClient.from(client), tableName, endpoint, stop };
}

/** One dynalite table, one fast Slack stand-in (no 429s), GuardDuty and EC2 in memory. */
export async function startWorld(options: { dynalite?: 'in-process' | 'child-process' } = {}): Promise<World> {
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 0;
  const dynamo = options.dynalite === 'child-process' ? await startDynaliteProcess() : await startTestDynamo();
  const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
  const gd = new FakeGuardDuty();
  const ec2 = new FakeEc2();
  return {
    slack,
    dynamo,
    store,
    gd,
    ec2,
    stop: async () => {
      ec2.restore();
      gd.restore();
      await dynamo.stop();
      await slack.close();
    },
  };
}

// ---------------------------------------------------------------- one replica

/** The GuardDuty adapter, counting the feed's ListFindings sweeps per region. */
export class CountingSource extends GuardDutySource {
  readonly sweeps = new Map<string, number>();
  override listIds(region: string, query: FindingQuery): Promise<string[]> {
    this.sweeps.set(region, (this.sweeps.get(region) ?? 0) + 1);
    return super.listIds(region, query);
  }
}

/** The Slack messenger, counting the cards this replica posted. */
export class CountingMessenger extends SlackMessenger {
  cardsPosted = 0;
  override postCard(...args: Parameters<SlackMessenger['postCard']>): Promise<string> {
    this.cardsPosted++;
    return super.postCard(...args);
  }
}

export interface ReplicaOptions {
  /** Short label for figures ("A", "B"). */
  name: string;
  regions?: string[];
  minBand?: SeverityBand;
  /** Feed loop interval (only used by `poller.start()`). */
  pollIntervalSeconds?: number;
  claimSeconds?: number;
  /** ChannelQueue interval; 0 posts as fast as the stand-in answers. */
  queueIntervalMs?: number;
  logLevel?: string;
}

export interface Replica {
  name: string;
  owner: string;
  config: Config;
  app: App;
  /** `POST` target for commands and interactions. */
  events: string;
  logs: LogCapture;
  web: WebClient;
  messenger: CountingMessenger;
  queue: ChannelQueue;
  publisher: CardPublisher;
  source: CountingSource;
  poller: FeedPoller;
  /** Its own RemediationService and proposal messages (as main.ts builds them for resume at start-up). */
  remediation: RemediationContext;
  /** EC2 `apply` runs (remediation executions) this replica started. */
  applies: () => number;
  /** Log lines at warn or above. */
  warnings: () => { level: number; msg: string; err?: unknown }[];
  stop(): Promise<void>;
}

/** Builds and starts one replica against the shared store and stand-ins. */
export async function startReplica(world: Pick<World, 'slack' | 'store'>, options: ReplicaOptions): Promise<Replica> {
  const { slack, store } = world;
  const regions = options.regions ?? REPLICA_REGIONS;
  const minBand = options.minBand ?? MIN_BAND;
  const owner = `replica-${options.name.toLowerCase()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const config = testConfig(slack, {
    GUARDDUTY_REGIONS: regions.join(','),
    FINDINGS_CHANNEL: REPLICA_CHANNEL,
    POST_MIN_SEVERITY: minBand,
    APPROVER_USER_IDS: [REQUESTER, APPROVER, SECOND_APPROVER].join(','),
    TRUSTED_CIDRS: TRUSTED_SOURCE,
    LOG_LEVEL: options.logLevel ?? 'warn',
    POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds ?? 1),
  });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs).child({ replica: options.name });
  const web = new WebClient(config.slack.botToken, {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    logLevel: LogLevel.ERROR,
  });
  const messenger = new CountingMessenger(web);
  const source = new CountingSource(guardDutyClients(), regions);
  let applied = 0;
  const executors: RemediationExecutorFactory = {
    forTarget: async (_account, region) => {
      const remediator = new Ec2Remediator(new EC2Client({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 }));
      const apply = remediator.apply.bind(remediator);
      remediator.apply = (...args: Parameters<Ec2Remediator['apply']>): Promise<ExecutionResult> => {
        applied++;
        return apply(...args);
      };
      return remediator;
    },
  };
  const bot = composeBot({
    config,
    logger,
    owner,
    web,
    messenger,
    findings: source,
    peopleFindings: source,
    store,
    executors,
    sealer: testSealer(),
    postIntervalMs: options.queueIntervalMs ?? 0,
    claimSeconds: options.claimSeconds ?? 60,
    // The scenarios click for whole teams at machine speed; the per-person limit is tested in feedback-once.test.ts.
    actionLimit: SCRIPTED_PACE,
  });
  const { app, queue, publisher, poller, remediation } = bot;
  if (!publisher || !poller || !remediation) throw new Error('the replica was built without its feed or remediation');
  const server = (await bot.start(0, { background: false })) as Server;
  const { port } = server.address() as AddressInfo;
  return {
    name: options.name,
    owner,
    config,
    app,
    events: `http://127.0.0.1:${port}/slack/events`,
    logs,
    web,
    messenger,
    queue,
    publisher,
    source,
    poller,
    remediation,
    applies: () => applied,
    warnings: () =>
      logs.lines
        .map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown })
        .filter((l) => l.level >= 40),
    stop: () => bot.stop(),
  };
}

// ---------------------------------------------------------------- findings

export interface Probe {
  findingId: string;
  region: string;
  instanceId: string;
  groupId: string;
  /** The world-open rule IDs of its group (22 from 0.0.0.0/0 and ::/0). */
  worldRuleIds: string[];
}

export interface FindingSet {
  /** Oldest first (ascending UpdatedAt). */
  findings: SdkFinding[];
  probes: Probe[];
  /** Finding IDs at or above the posting threshold (must get exactly one card each). */
  wanted: Set<string>;
  /** Finding IDs below it (must get none). */
  below: Set<string>;
}

const OTHER_FIXTURES = [
  'unauthorizedaccess-ec2-sshbruteforce',
  'backdoor-ec2-ccactivity-dns',
  'unauthorizedaccess-iamuser-credential-exfiltration',
  'policy-s3-bucketblockpublicaccessdisabled',
  'cryptocurrency-ec2-bitcointool',
  'attacksequence-iam-compromisedcredentials',
];
/** Includes both sides of the medium floor (3.9 and 4.0). */
const SEVERITIES = [2, 8.5, 3.9, 5, 4, 7, 1, 9.5, 6.2, 3];
const PROBE_SEVERITIES = [5, 7.5, 4, 8.8];

export const findingId = (i: number) => `rep${String(i).padStart(29, '0')}`;
const hex17 = (n: number) => n.toString(16).padStart(17, '0');

/**
 * `total` findings over the last 20 hours, spread over `regions`, mixed severities; every
 * (total / probes)-th one a Recon:EC2/PortProbeUnprotectedPort on port 22 of its own instance with its own group.
 */
export function makeFindings(total: number, probeCount: number, regions = REPLICA_REGIONS, minBand = MIN_BAND): FindingSet {
  const now = Date.now();
  const span = 20 * 3_600_000;
  const step = Math.floor(total / probeCount);
  const out: FindingSet = { findings: [], probes: [], wanted: new Set(), below: new Set() };
  for (let i = 0; i < total; i++) {
    const id = findingId(i);
    // Shifted every 10 so that every-10th probes land in every region too.
    const region = regions[(i + Math.floor(i / 10)) % regions.length] ?? 'us-east-1';
    const updatedAt = new Date(now - span + Math.floor((span * i) / total)).toISOString();
    const isProbe = i % step === 0 && out.probes.length < probeCount;
    let f: SdkFinding;
    if (isProbe) {
      const n = out.probes.length;
      const severity = PROBE_SEVERITIES[n % PROBE_SEVERITIES.length] ?? 5;
      const instanceId = `i-${hex17(0xa000 + n)}`;
      const groupId = `sg-${hex17(0x5000 + n)}`;
      f = variant('recon-ec2-portprobe-ssh', { id, region, severity, updatedAt, title: `Unprotected port on EC2 instance ${instanceId} is being probed.` });
      const details = f.Resource?.InstanceDetails;
      const eni = details?.NetworkInterfaces?.[0];
      if (!details || !eni) throw new Error('fixture recon-ec2-portprobe-ssh has no instance details');
      details.InstanceId = instanceId;
      eni.SecurityGroups = [{ GroupId: groupId, GroupName: `replica-web-${n}` }];
      out.probes.push({ findingId: id, region, instanceId, groupId, worldRuleIds: [`sgr-${hex17(0x100000 + n * 4)}`, `sgr-${hex17(0x100000 + n * 4 + 1)}`] });
    } else {
      const severity = SEVERITIES[i % SEVERITIES.length] ?? 5;
      f = variant(OTHER_FIXTURES[i % OTHER_FIXTURES.length] ?? 'backdoor-ec2-ccactivity-dns', { id, region, severity, updatedAt });
    }
    (f.Severity !== undefined && f.Severity >= BAND_FLOOR[minBand] ? out.wanted : out.below).add(id);
    out.findings.push(f);
  }
  return out;
}

/** The findings in arrival order: `rounds` chunks for the concurrent polls, then the newest `leaseShare` for the lease round. */
export function splitForRounds(findings: readonly SdkFinding[], rounds: number, leaseShare = 0.1): { rounds: SdkFinding[][]; lease: SdkFinding[] } {
  const leaseCount = Math.max(1, Math.floor(findings.length * leaseShare));
  const early = findings.slice(0, findings.length - leaseCount);
  const size = Math.ceil(early.length / rounds);
  const chunks: SdkFinding[][] = [];
  for (let i = 0; i < early.length; i += size) chunks.push(early.slice(i, i + size));
  return { rounds: chunks, lease: findings.slice(findings.length - leaseCount) };
}

/** Each probe's group: 22 open to 0.0.0.0/0 and ::/0 (to be replaced), 443 world-open and 22 from 10/8 (kept). */
export function seedProbeGroups(ec2: FakeEc2, probes: readonly Probe[]): void {
  const rules: FakeRule[] = [];
  const instances: Record<string, string[]> = {};
  probes.forEach((p, n) => {
    const [v4, v6] = p.worldRuleIds;
    rules.push(
      { id: v4 ?? '', groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0', description: 'ssh from anywhere' },
      { id: v6 ?? '', groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
      { id: `sgr-${hex17(0x100000 + n * 4 + 2)}`, groupId: p.groupId, protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' },
      { id: `sgr-${hex17(0x100000 + n * 4 + 3)}`, groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v4: '10.0.0.0/8' },
    );
    instances[p.instanceId] = [p.groupId];
  });
  ec2.seed(rules, instances);
}

export const ORIGINAL_GROUP_STATE = ['tcp 22-22 0.0.0.0/0 (ssh from anywhere)', 'tcp 22-22 10.0.0.0/8', 'tcp 22-22 ::/0', 'tcp 443-443 0.0.0.0/0'];
export const FIXED_GROUP_STATE = ['tcp 22-22 10.0.0.0/8', `tcp 22-22 ${TRUSTED_SOURCE} (${TRUSTED_DESCRIPTION})`, 'tcp 443-443 0.0.0.0/0'];

// ---------------------------------------------------------------- feed phase

/** Every replica polls every region at the same moment, ignoring leases (the race a lease normally prevents). */
export async function pollAllConcurrently(replicas: readonly Replica[], regions = REPLICA_REGIONS): Promise<{ failed: number }> {
  const results = await Promise.allSettled(replicas.flatMap((r) => regions.map((region) => r.poller.pollOnce(region))));
  return { failed: results.filter((x) => x.status === 'rejected').length };
}

function cardFindingId(call: ApiCall): string | undefined {
  const meta = call.body.metadata as { event_type?: string; event_payload?: { finding_id?: unknown } } | undefined;
  const id = meta?.event_type === 'guardduty_finding' ? meta.event_payload?.finding_id : undefined;
  return typeof id === 'string' && call.body.thread_ts === undefined ? id : undefined;
}

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
export async function cardFigures(world: Pick<World, 'slack' | 'store'>, set: Pick<FindingSet, 'wanted' | 'below'>, check: Iterable<string> = set.wanted): Promise<CardFigures> {
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
export async function leaseRound(replicas: readonly Replica[], world: Pick<World, 'slack'>, expectCards: number, minSweeps = 2, regions = REPLICA_REGIONS, timeoutMs = 30_000): Promise<LeaseRound> {
  const before = replicas.map((r) => new Map(r.source.sweeps));
  const swept = (r: Replica, i: number, region: string) => (r.source.sweeps.get(region) ?? 0) - (before[i]?.get(region) ?? 0);
  const started = performance.now();
  for (const r of replicas) r.poller.start();
  try {
    await waitForCards(world.slack, expectCards, timeoutMs);
    await world.slack.waitFor(() => regions.every((region) => replicas.reduce((n, r, i) => n + swept(r, i, region), 0) >= minSweeps), timeoutMs, 'lease sweeps');
  } finally {
    await Promise.all(replicas.map((r) => r.poller.stop()));
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
export async function proposeAll(replicas: readonly Replica[], world: Pick<World, 'slack' | 'store'>, probes: readonly Probe[], timeoutMs = 30_000): Promise<Proposal[]> {
  const before = world.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('Fix proposed')).length;
  const acks = await Promise.all(
    probes.map((p, i) => {
      const replica = replicas[i % replicas.length] as Replica;
      return interaction(replica.events, proposeSubmission(REQUESTER, TRUSTED_SOURCE, `V0REP${String(i).padStart(5, '0')}`, `${p.region} ${p.findingId} ${REPLICA_CHANNEL}`));
    }),
  );
  const bad = acks.filter((a) => a.status !== 200 || a.body !== '');
  if (bad.length > 0) throw new Error(`${bad.length} submissions were not acked cleanly: ${bad[0]?.status} ${bad[0]?.body}`);
  const deadline = Date.now() + timeoutMs;
  await world.slack.waitFor(
    () => world.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('Fix proposed')).length - before >= probes.length || world.slack.callsTo('chat.postEphemeral').length > 0,
    timeoutMs,
    'proposal messages',
  );
  const told = world.slack.callsTo('chat.postEphemeral');
  if (told.length > 0) throw new Error(`a proposal was not created: ${String(told[0]?.body.text)}`);
  for (;;) {
    const lists = await Promise.all(probes.map((p) => world.store.listProposals(p.findingId)));
    const proposals = lists.flat();
    if (proposals.length === probes.length && proposals.every((p) => p.messageTs)) return proposals;
    if (Date.now() > deadline) throw new Error(`${proposals.filter((p) => p.messageTs).length}/${probes.length} proposals stored with their message`);
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
export async function approveAll(replicas: readonly Replica[], world: Pick<World, 'slack'>, proposals: readonly Proposal[]): Promise<ApprovalClick[]> {
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

const isOutcomeReply = (c: ApiCall) => c.body.thread_ts !== undefined && /(executed by the bot|failed \(approved by)/.test(String(c.body.text));

const isCardNoteUpdate = (c: ApiCall) => (c.body.metadata as { event_type?: string } | undefined)?.event_type === 'guardduty_finding' && JSON.stringify(c.body.blocks).includes('executed · approved by');

/**
 * Waits until every proposal has its outcome reply and its card note, and every losing click its refusal,
 * then a little longer for strays (a duplicate would arrive in that window).
 */
export async function waitForOutcomes(world: Pick<World, 'slack'>, proposals: number, refusals: number, timeoutMs = 30_000, settleMs = 300): Promise<void> {
  const { slack } = world;
  await slack.waitFor(() => slack.callsTo('chat.postMessage').filter(isOutcomeReply).length >= proposals, timeoutMs, `${proposals} outcome replies`);
  await slack.waitFor(() => slack.callsTo('chat.update').filter(isCardNoteUpdate).length >= proposals, timeoutMs, `${proposals} card notes`);
  await slack.waitFor(() => slack.responses.filter((r) => r.path.startsWith('/respond/approve-')).length >= refusals, timeoutMs, `${refusals} refusals`);
  await sleep(settleMs);
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
    writes.filter((c) => c.input.GroupId === g || ((c.input.Filters as { Values?: string[] }[] | undefined)?.some((f) => f.Values?.includes(g)) ?? false));
  let groupsNotAuthorizedOnce = 0;
  let groupsNotRevokedOnce = 0;
  let groupsWrongState = 0;
  const perRemediation: number[] = [];
  for (const p of probes) {
    const calls = forGroup(p.groupId);
    perRemediation.push(calls.length);
    if (calls.filter((c) => c.op === 'AuthorizeSecurityGroupIngress').length !== 1) groupsNotAuthorizedOnce++;
    const revoked = calls.filter((c) => c.op === 'RevokeSecurityGroupIngress').flatMap((c) => (c.input.SecurityGroupRuleIds as string[] | undefined) ?? ['(by content)']);
    if (revoked.length !== p.worldRuleIds.length || [...p.worldRuleIds].sort().join() !== [...revoked].sort().join()) groupsNotRevokedOnce++;
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
    const losersOk = mine.filter((c) => responses.has(c.path)).every((c) => {
      const texts = responses.get(c.path) ?? [];
      return texts.length === 1 && /^:(white_check_mark|hourglass_flowing_sand): Already approved by <@U0(BOB00001|CAROL001)>/.test(texts[0] ?? '');
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
