import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, StoreUnavailableError } from '../../src/domain/errors';
import type { CardRecord, DigestItem, Observation } from '../../src/domain/ports';
import type { Proposal } from '../../src/domain/proposal';
import type { ExecutionResult } from '../../src/domain/remediation/types';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { startDynalite, startEmbeddedDynamo } from '../../src/store/embedded';
import { ProposalExistsError } from '../../src/store/errors';
import { ensureTable } from '../../src/store/table';
import { localClientConfig, startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';

const NOW = 1_700_000_000;
const DAY = 86_400;

let dynamo: TestDynamo;
let store: DynamoStateStore;
let seq = 0;
const uid = (prefix: string): string => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoStateStore(dynamo.client, dynamo.tableName);
});

afterAll(async () => {
  await dynamo.stop();
});

function card(findingId: string, overrides: Partial<CardRecord> = {}): Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'> {
  return {
    findingId,
    region: 'eu-west-1',
    accountId: '111122223333',
    state: 'claimed',
    severity: 8,
    updatedAtMs: 1000,
    count: 1,
    archived: false,
    ...overrides,
  };
}

function observation(overrides: Partial<Observation> = {}): Observation {
  return { severity: 8, updatedAtMs: 1000, count: 1, archived: false, ...overrides };
}

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  const findingId = overrides.findingId ?? uid('finding');
  return {
    id: uid('prop'),
    findingId,
    kind: 'remediate',
    state: 'proposed',
    requester: 'U_REQ',
    plan: {
      playbook: 'restrict-ssh',
      findingId,
      accountId: '111122223333',
      region: 'eu-west-1',
      instanceId: 'i-0abc',
      ports: [22],
      trustedSources: [{ kind: 'cidr', cidr: '10.0.0.0/8', version: 4 }],
      revoke: [{ groupId: 'sg-1', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: undefined }],
      authorize: [{ groupId: 'sg-1', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' }],
      untouched: [],
    },
    createdAt: NOW,
    expiresAt: NOW + 3600,
    channel: 'C1',
    threadTs: '1700000000.000100',
    history: [{ at: NOW, actor: 'U_REQ', action: 'proposed' }],
    ...overrides,
  };
}

const okResult: ExecutionResult = { ok: true, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 4 };

async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk, sk }, ConsistentRead: true }));
  return out.Item;
}

describe('cards', () => {
  test('claimCard succeeds once and records the claim', async () => {
    const id = uid('f');
    expect(await store.claimCard(card(id), 'A', 60, NOW)).toBe(true);
    expect(await store.claimCard(card(id), 'B', 60, NOW)).toBe(false);
    const stored = await store.getCard(id);
    expect(stored).toMatchObject({ findingId: id, state: 'claimed', claimOwner: 'A', claimExpiresAt: NOW + 60, claimedAt: NOW, count: 1 });
  });

  test('20 concurrent claimers: exactly one wins', async () => {
    const id = uid('f');
    const owners = Array.from({ length: 20 }, (_, i) => `owner-${i}`);
    const results = await Promise.all(owners.map((o) => store.claimCard(card(id), o, 60, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = owners[results.indexOf(true)];
    expect((await store.getCard(id))?.claimOwner).toBe(winner);
  });

  test('a digest record carries no claim', async () => {
    const id = uid('f');
    expect(await store.claimCard(card(id, { state: 'digest' }), 'A', 60, NOW)).toBe(true);
    const stored = await store.getCard(id);
    expect(stored?.state).toBe('digest');
    expect(stored?.claimOwner).toBeUndefined();
  });

  test('takeOverClaim only after the claim expired', async () => {
    const id = uid('f');
    await store.claimCard(card(id), 'A', 60, NOW);
    expect(await store.takeOverClaim(id, 'B', 60, NOW + 59, 'claimed')).toBe(false);
    expect((await store.getCard(id))?.claimOwner).toBe('A');
    expect(await store.takeOverClaim(id, 'B', 60, NOW + 60, 'claimed')).toBe(true);
    expect(await store.getCard(id)).toMatchObject({ state: 'claimed', claimOwner: 'B', claimExpiresAt: NOW + 120, claimedAt: NOW + 60 });
    expect(await store.takeOverClaim(id, 'C', 60, NOW + 61, 'claimed')).toBe(false);
    expect(await store.takeOverClaim(id, 'C', 60, NOW + 61, 'digest')).toBe(false);
    expect(await store.takeOverClaim(uid('missing'), 'C', 60, NOW, 'claimed')).toBe(false);
  });

  test('takeOverClaim promotes a digest record once', async () => {
    const id = uid('f');
    await store.claimCard(card(id, { state: 'digest' }), 'A', 60, NOW);
    expect(await store.takeOverClaim(id, 'B', 30, NOW, 'claimed')).toBe(false);
    const results = await Promise.all(['B', 'C', 'D'].map((o) => store.takeOverClaim(id, o, 30, NOW, 'digest')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.getCard(id)).toMatchObject({ state: 'claimed', claimExpiresAt: NOW + 30 });
  });

  test('markPosted only by the claim owner', async () => {
    const id = uid('f');
    await store.claimCard(card(id), 'A', 60, NOW);
    const seen = observation({ severity: 8.5, updatedAtMs: 2000, count: 3 });
    expect(await store.markPosted(id, 'B', 'C1', '1.1', seen)).toBe(false);
    expect((await store.getCard(id))?.state).toBe('claimed');
    expect(await store.markPosted(id, 'A', 'C1', '1.1', seen)).toBe(true);
    const stored = await store.getCard(id);
    expect(stored).toMatchObject({
      state: 'posted',
      channel: 'C1',
      ts: '1.1',
      severity: 8.5,
      updatedAtMs: 2000,
      count: 3,
      archived: false,
    });
    expect(stored?.claimOwner).toBeUndefined();
    expect(stored?.claimExpiresAt).toBeUndefined();
    expect(await store.markPosted(id, 'A', 'C1', '2.2', seen)).toBe(false);
    expect((await store.getCard(id))?.ts).toBe('1.1');
    expect(await store.markPosted(uid('missing'), 'A', 'C1', '1.1', seen)).toBe(false);
  });

  test('recordActivity only for newer observations', async () => {
    const id = uid('f');
    await store.claimCard(card(id), 'A', 60, NOW);
    expect(await store.recordActivity(id, observation())).toBe(false);
    expect(await store.recordActivity(id, observation({ updatedAtMs: 999, count: 1 }))).toBe(false);
    expect(await store.recordActivity(id, observation({ updatedAtMs: 5000 }))).toBe(true);
    expect(await store.getCard(id)).toMatchObject({ updatedAtMs: 5000, count: 1 });
    expect(await store.recordActivity(id, observation({ updatedAtMs: 5000, count: 7, severity: 9 }))).toBe(true);
    expect(await store.getCard(id)).toMatchObject({ updatedAtMs: 5000, count: 7, severity: 9 });
    expect(await store.recordActivity(id, observation({ updatedAtMs: 5000, count: 7, archived: true }))).toBe(true);
    expect((await store.getCard(id))?.archived).toBe(true);
    expect(await store.recordActivity(id, observation({ updatedAtMs: 5000, count: 7, archived: true }))).toBe(false);
    expect(await store.recordActivity(uid('missing'), observation({ updatedAtMs: 9999 }))).toBe(false);
    expect(await store.getCard(uid('missing'))).toBeUndefined();
  });

  test('claimThreadReply at most once per interval', async () => {
    const id = uid('f');
    await store.claimCard(card(id), 'A', 60, NOW);
    expect(await store.claimThreadReply(id, NOW, 600)).toBe(true);
    expect(await store.claimThreadReply(id, NOW + 599, 600)).toBe(false);
    expect((await store.getCard(id))?.lastReplyAt).toBe(NOW);
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.claimThreadReply(id, NOW + 600, 600)));
    expect(concurrent.filter(Boolean)).toHaveLength(1);
    expect((await store.getCard(id))?.lastReplyAt).toBe(NOW + 600);
    expect(await store.claimThreadReply(uid('missing'), NOW, 600)).toBe(false);
  });

  test('getCards reads more than 100 keys, ignores duplicates and leaves missing IDs out', async () => {
    const existing = Array.from({ length: 120 }, () => uid('f'));
    await Promise.all(existing.map((id, i) => store.claimCard(card(id, { count: i }), 'A', 60, NOW)));
    const missing = Array.from({ length: 30 }, () => uid('missing'));
    const cards = await store.getCards([...existing, ...missing, ...existing.slice(0, 10)]);
    expect(cards.size).toBe(120);
    expect(cards.get(existing[42] as string)?.count).toBe(42);
    expect(missing.some((id) => cards.has(id))).toBe(false);
    expect((await store.getCards([])).size).toBe(0);
  });
});

describe('cursor', () => {
  test('undefined before the first write, then only moves forward', async () => {
    const region = uid('region');
    expect(await store.getCursor(region)).toBeUndefined();
    await store.advanceCursor(region, 1000);
    expect(await store.getCursor(region)).toBe(1000);
    await expect(store.advanceCursor(region, 500)).resolves.toBeUndefined();
    expect(await store.getCursor(region)).toBe(1000);
    await store.advanceCursor(region, 2000);
    expect(await store.getCursor(region)).toBe(2000);
    expect(await store.getCursor(uid('region'))).toBeUndefined();
  });
});

describe('leases', () => {
  test('acquire, renew, take over after expiry, release', async () => {
    const name = uid('lease');
    expect(await store.acquireLease(name, 'A', 30, NOW)).toBe(true);
    expect(await store.acquireLease(name, 'B', 30, NOW + 10)).toBe(false);
    expect(await store.acquireLease(name, 'A', 30, NOW + 20)).toBe(true);
    expect(await store.acquireLease(name, 'B', 30, NOW + 49)).toBe(false);
    expect(await store.acquireLease(name, 'B', 30, NOW + 50)).toBe(true);
    expect(await store.releaseLease(name, 'A')).toBe(false);
    expect(await store.acquireLease(name, 'A', 30, NOW + 51)).toBe(false);
    expect(await store.releaseLease(name, 'B')).toBe(true);
    expect(await store.releaseLease(name, 'B')).toBe(false);
    expect(await store.acquireLease(name, 'A', 30, NOW + 52)).toBe(true);
  });

  test('two concurrent owners: exactly one holds the lease', async () => {
    const name = uid('lease');
    const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'A' : 'B'));
    const results = await Promise.all(attempts.map((owner) => store.acquireLease(name, owner, 30, NOW)));
    const winners = new Set(attempts.filter((_, i) => results[i]));
    expect(winners.size).toBe(1);
    const winner = [...winners][0] as string;
    expect(await store.releaseLease(name, winner === 'A' ? 'B' : 'A')).toBe(false);
    expect(await store.releaseLease(name, winner)).toBe(true);
  });
});

describe('digests', () => {
  const item = (findingId: string, overrides: Partial<DigestItem> = {}): DigestItem => ({
    findingId,
    region: 'eu-west-1',
    accountId: '111122223333',
    severity: 2,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    title: `Port probe ${findingId}`,
    ...overrides,
  });

  test('add, list, close and get', async () => {
    const channel = uid('C');
    const [a, b] = [uid('f'), uid('f')];
    await store.addDigestItem(channel, item(a));
    await store.addDigestItem(channel, item(a));
    await store.addDigestItem(channel, item(b));
    await store.addDigestItem(uid('C'), item(uid('f')));
    const listed = await store.listDigestItems(channel);
    expect(listed.map((i) => i.findingId).sort()).toEqual([a, b].sort());
    expect(listed.find((i) => i.findingId === a)).toEqual(item(a));

    const late = uid('f');
    await store.addDigestItem(channel, item(late));
    const digestId = uid('digest');
    await store.closeDigest(channel, digestId, listed, NOW);

    expect((await store.listDigestItems(channel)).map((i) => i.findingId)).toEqual([late]);
    expect(await store.getDigest(digestId)).toEqual(listed);
    expect(await store.getDigest(uid('digest'))).toBeUndefined();
    expect((await rawItem(`digestsent#${digestId}`, 'part#00000'))?.['expiresAt']).toBe(NOW + 30 * DAY);
  });

  test('a digest larger than one item keeps every finding', async () => {
    const channel = uid('C');
    const items = Array.from({ length: 400 }, (_, i) => item(`big-${String(i).padStart(4, '0')}`, { title: 'x'.repeat(1000) }));
    await Promise.all(items.map((i) => store.addDigestItem(channel, i)));
    const digestId = uid('digest');
    await store.closeDigest(channel, digestId, items, NOW);
    const sent = await store.getDigest(digestId);
    expect(sent).toHaveLength(400);
    expect(sent?.map((i) => i.findingId)).toEqual(items.map((i) => i.findingId));
    expect(await rawItem(`digestsent#${digestId}`, 'part#00001')).toBeDefined();
    expect(await store.listDigestItems(channel)).toEqual([]);
  });

  test('an empty digest is recorded as empty', async () => {
    const digestId = uid('digest');
    await store.closeDigest(uid('C'), digestId, [], NOW);
    expect(await store.getDigest(digestId)).toEqual([]);
  });
});

describe('proposals', () => {
  test('create, get (deadline stored as approveBy, TTL far away) and create twice refused', async () => {
    const p = proposal();
    await store.createProposal(p);
    expect(await store.getProposal(p.findingId, p.id)).toEqual(p);
    const raw = await rawItem(`finding#${p.findingId}`, `proposal#${p.id}`);
    expect(raw?.['approveBy']).toBe(p.expiresAt);
    expect(raw?.['expiresAt']).toBe(p.createdAt + 365 * DAY);
    await expect(store.createProposal({ ...p, requester: 'U_OTHER' })).rejects.toBeInstanceOf(ProposalExistsError);
    expect((await store.getProposal(p.findingId, p.id))?.requester).toBe('U_REQ');
    expect(await store.getProposal(p.findingId, uid('prop'))).toBeUndefined();
  });

  test('approve by the requester is refused', async () => {
    const p = proposal();
    await store.createProposal(p);
    const outcome = await store.approve(p.findingId, p.id, 'U_REQ', 'bot-1', 120, NOW + 10);
    expect(outcome.ok).toBe(false);
    expect(outcome.proposal?.state).toBe('proposed');
    expect(outcome.proposal?.approver).toBeUndefined();
  });

  test('approve after the deadline is refused', async () => {
    const p = proposal();
    await store.createProposal(p);
    const late = await store.approve(p.findingId, p.id, 'U_APP', 'bot-1', 120, p.expiresAt);
    expect(late).toMatchObject({ ok: false, proposal: { state: 'proposed', expiresAt: p.expiresAt } });
    const inTime = await store.approve(p.findingId, p.id, 'U_APP', 'bot-1', 120, p.expiresAt - 1);
    expect(inTime.ok).toBe(true);
    expect(inTime.proposal).toMatchObject({
      state: 'executing',
      approver: 'U_APP',
      execOwner: 'bot-1',
      execLeaseExpiresAt: p.expiresAt - 1 + 120,
      expiresAt: p.expiresAt,
    });
  });

  test('approve of a rejected or cancelled proposal is refused', async () => {
    const rejected = proposal();
    await store.createProposal(rejected);
    expect((await store.reject(rejected.findingId, rejected.id, 'U_REQ', NOW)).ok).toBe(false);
    const r = await store.reject(rejected.findingId, rejected.id, 'U_SEC', NOW + 5);
    expect(r.ok).toBe(true);
    expect(r.proposal?.state).toBe('rejected');
    expect((await rawItem(`finding#${rejected.findingId}`, `proposal#${rejected.id}`))?.['expiresAt']).toBe(NOW + 5 + 365 * DAY);
    const afterReject = await store.approve(rejected.findingId, rejected.id, 'U_APP', 'bot-1', 120, NOW + 6);
    expect(afterReject).toMatchObject({ ok: false, proposal: { state: 'rejected' } });

    const cancelled = proposal();
    await store.createProposal(cancelled);
    expect((await store.cancel(cancelled.findingId, cancelled.id, 'U_REQ', NOW)).proposal?.state).toBe('cancelled');
    const afterCancel = await store.approve(cancelled.findingId, cancelled.id, 'U_APP', 'bot-1', 120, NOW + 1);
    expect(afterCancel).toMatchObject({ ok: false, proposal: { state: 'cancelled' } });
    expect((await store.reject(cancelled.findingId, cancelled.id, 'U_SEC', NOW + 2)).ok).toBe(false);
  });

  test('cancel only by the requester and only while proposed', async () => {
    const p = proposal();
    await store.createProposal(p);
    const byOther = await store.cancel(p.findingId, p.id, 'U_OTHER', NOW);
    expect(byOther).toMatchObject({ ok: false, proposal: { state: 'proposed' } });
    const byRequester = await store.cancel(p.findingId, p.id, 'U_REQ', NOW + 1);
    expect(byRequester.ok).toBe(true);
    expect(byRequester.proposal?.history.at(-1)).toEqual({ at: NOW + 1, actor: 'U_REQ', action: 'cancelled' });
    expect((await store.cancel(p.findingId, p.id, 'U_REQ', NOW + 2)).ok).toBe(false);
  });

  test('transitions of a missing proposal are refused without a record', async () => {
    const findingId = uid('finding');
    const id = uid('prop');
    expect(await store.approve(findingId, id, 'U_APP', 'bot-1', 60, NOW)).toEqual({ ok: false, proposal: undefined });
    expect(await store.cancel(findingId, id, 'U_REQ', NOW)).toEqual({ ok: false, proposal: undefined });
    expect(await store.getProposal(findingId, id)).toBeUndefined();
  });

  test('20 concurrent approvals by two approvers: exactly one succeeds and the record names it', async () => {
    const p = proposal();
    await store.createProposal(p);
    const approvers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'U_APP1' : 'U_APP2'));
    const outcomes = await Promise.all(approvers.map((a, i) => store.approve(p.findingId, p.id, a, `bot-${i}`, 120, NOW + 1)));
    const winners = outcomes.map((o, i) => ({ o, i })).filter(({ o }) => o.ok);
    expect(winners).toHaveLength(1);
    const { i: w } = winners[0] as { i: number };
    const stored = await store.getProposal(p.findingId, p.id);
    expect(stored).toMatchObject({ state: 'executing', approver: approvers[w], execOwner: `bot-${w}` });
    expect(stored?.history.filter((h) => h.action === 'approved')).toEqual([{ at: NOW + 1, actor: approvers[w], action: 'approved' }]);
    for (const o of outcomes.filter((x) => !x.ok)) expect(o.proposal).toMatchObject({ state: 'executing', approver: approvers[w] });
  });

  test('takeOverExecution only after the execution lease expired', async () => {
    const p = proposal();
    await store.createProposal(p);
    await store.approve(p.findingId, p.id, 'U_APP', 'bot-1', 60, NOW);
    const early = await store.takeOverExecution(p.findingId, p.id, 'bot-2', 60, NOW + 59);
    expect(early).toMatchObject({ ok: false, proposal: { execOwner: 'bot-1' } });
    const taken = await store.takeOverExecution(p.findingId, p.id, 'bot-2', 60, NOW + 60);
    expect(taken.ok).toBe(true);
    expect(taken.proposal).toMatchObject({ state: 'executing', execOwner: 'bot-2', execLeaseExpiresAt: NOW + 120 });
    expect(taken.proposal?.history.at(-1)).toMatchObject({ at: NOW + 60, actor: 'bot', action: 'resumed' });

    const proposed = proposal();
    await store.createProposal(proposed);
    expect((await store.takeOverExecution(proposed.findingId, proposed.id, 'bot-2', 60, NOW + 9999)).ok).toBe(false);
  });

  test('finishExecution only by the execution owner; history is appended in order', async () => {
    const p = proposal();
    await store.createProposal(p);
    await store.approve(p.findingId, p.id, 'U_APP', 'bot-1', 60, NOW + 1);
    const wrong = await store.finishExecution(p.findingId, p.id, 'bot-2', okResult, NOW + 2);
    expect(wrong).toMatchObject({ ok: false, proposal: { state: 'executing' } });
    const done = await store.finishExecution(p.findingId, p.id, 'bot-1', okResult, NOW + 3);
    expect(done.ok).toBe(true);
    expect(done.proposal).toMatchObject({ state: 'executed', result: okResult, approver: 'U_APP' });
    expect(done.proposal?.execLeaseExpiresAt).toBeUndefined();
    expect(done.proposal?.history).toEqual([
      { at: NOW, actor: 'U_REQ', action: 'proposed' },
      { at: NOW + 1, actor: 'U_APP', action: 'approved' },
      { at: NOW + 3, actor: 'bot', action: 'executed' },
    ]);
    expect((await store.finishExecution(p.findingId, p.id, 'bot-1', okResult, NOW + 4)).ok).toBe(false);
    expect(await store.getProposal(p.findingId, p.id)).toEqual(done.proposal);
  });

  test('a failed execution ends in state failed with the error in the audit entry', async () => {
    const p = proposal();
    await store.createProposal(p);
    await store.approve(p.findingId, p.id, 'U_APP', 'bot-1', 60, NOW);
    const failed: ExecutionResult = {
      ...okResult,
      ok: false,
      error: { code: 'UnauthorizedOperation', message: 'no ec2:RevokeSecurityGroupIngress' },
    };
    const outcome = await store.finishExecution(p.findingId, p.id, 'bot-1', failed, NOW + 1);
    expect(outcome.proposal?.state).toBe('failed');
    expect(outcome.proposal?.result).toEqual(failed);
    expect(outcome.proposal?.history.at(-1)).toEqual({
      at: NOW + 1,
      actor: 'bot',
      action: 'failed',
      detail: 'UnauthorizedOperation: no ec2:RevokeSecurityGroupIngress',
    });
  });

  test('setMessageTs sets the message timestamp of an existing proposal only', async () => {
    const p = proposal();
    await store.createProposal(p);
    await store.setMessageTs(p.findingId, p.id, '1700000001.000200');
    expect((await store.getProposal(p.findingId, p.id))?.messageTs).toBe('1700000001.000200');
    await expect(store.setMessageTs(p.findingId, uid('prop'), '1.1')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('listProposals returns a finding’s proposals oldest first, nothing else', async () => {
    const findingId = uid('finding');
    await store.claimCard(card(findingId), 'A', 60, NOW);
    const created = [NOW + 30, NOW + 10, NOW + 20].map((createdAt, i) => proposal({ findingId, id: `p${3 - i}`, createdAt }));
    for (const p of created) await store.createProposal(p);
    await store.createProposal(proposal());
    const listed = await store.listProposals(findingId);
    expect(listed.map((p) => p.createdAt)).toEqual([NOW + 10, NOW + 20, NOW + 30]);
    expect(listed.map((p) => p.id)).toEqual(['p2', 'p1', 'p3']);
    expect(await store.listProposals(uid('finding'))).toEqual([]);
  });

  test('getFindingRecord reads the card and the proposals of one finding in one Query', async () => {
    const findingId = uid('finding');
    await store.claimCard(card(findingId), 'A', 60, NOW);
    const created = [NOW + 20, NOW + 10].map((createdAt, i) => proposal({ findingId, id: `q${i}`, createdAt }));
    for (const p of created) await store.createProposal(p);
    await store.createProposal(proposal());
    const sent = dynamo.client.middlewareStack;
    const commands: string[] = [];
    sent.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      const record = await store.getFindingRecord(findingId);
      expect(record.card?.findingId).toBe(findingId);
      expect(record.card?.state).toBe('claimed');
      expect(record.proposals.map((p) => p.id)).toEqual(['q1', 'q0']);
      expect(commands).toEqual(['QueryCommand']);
    } finally {
      sent.remove('countCommands');
    }
    expect(await store.getFindingRecord(uid('finding'))).toEqual({ card: undefined, proposals: [] });
  });

  test('listStalledExecutions finds executing proposals whose lease expired', async () => {
    const stalled = proposal();
    const live = proposal();
    const waiting = proposal();
    const finished = proposal();
    for (const p of [stalled, live, waiting, finished]) await store.createProposal(p);
    const at = NOW + 2000;
    await store.approve(stalled.findingId, stalled.id, 'U_APP', 'bot-dead', 60, at - 1000);
    await store.approve(live.findingId, live.id, 'U_APP', 'bot-live', 600, at - 60);
    await store.approve(finished.findingId, finished.id, 'U_APP', 'bot-1', 60, at - 1000);
    await store.finishExecution(finished.findingId, finished.id, 'bot-1', okResult, at - 999);
    const found = (await store.listStalledExecutions(at)).filter((p) => [stalled, live, waiting, finished].some((q) => q.id === p.id));
    expect(found.map((p) => p.id)).toEqual([stalled.id]);
    expect(found[0]).toMatchObject({ state: 'executing', execOwner: 'bot-dead', expiresAt: stalled.expiresAt });
  });
});

describe('table and embedded server', () => {
  test('ensureTable is idempotent and keeps the data', async () => {
    const id = uid('f');
    await store.claimCard(card(id), 'A', 60, NOW);
    await ensureTable(dynamo.client, dynamo.tableName);
    await ensureTable(dynamo.client, dynamo.tableName);
    const described = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tableName }));
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    expect(described.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect((await store.getCard(id))?.claimOwner).toBe('A');
  });

  test('ensureTable refuses a table with another key schema', async () => {
    const name = uid('wrong-keys');
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(ensureTable(dynamo.client, name)).rejects.toThrow(/key schema id:HASH.*pk:HASH,sk:RANGE/);
  });

  test('the embedded store keeps its data across a stop and a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gd-chatops-'));
    try {
      const write = async (): Promise<void> => {
        const server = await startEmbeddedDynamo(dataDir);
        const client = new DynamoDBClient(localClientConfig(server.endpoint));
        try {
          await ensureTable(client, 'state');
          const s = new DynamoStateStore(client, 'state');
          expect(await s.claimCard(card('persisted'), 'A', 60, NOW)).toBe(true);
          await s.advanceCursor('eu-west-1', 4242);
        } finally {
          client.destroy();
          await server.close();
        }
      };
      await write();

      const server = await startEmbeddedDynamo(dataDir);
      const client = new DynamoDBClient(localClientConfig(server.endpoint));
      try {
        await ensureTable(client, 'state');
        const s = new DynamoStateStore(client, 'state');
        expect((await s.getCard('persisted'))?.claimOwner).toBe('A');
        expect(await s.getCursor('eu-west-1')).toBe(4242);
        expect(await s.claimCard(card('persisted'), 'B', 60, NOW)).toBe(false);
        await expect(startEmbeddedDynamo(dataDir)).rejects.toThrow(/DATA_DIR/);
      } finally {
        client.destroy();
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('startTestDynamo can restart on the same on-disk path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-chatops-'));
    try {
      const first = await startTestDynamo({ path: dir });
      await new DynamoStateStore(first.doc, first.tableName).addDigestItem('C9', {
        findingId: 'f1',
        region: 'eu-west-1',
        accountId: '1',
        severity: 1,
        type: 't',
        title: 'x',
      });
      await first.stop();
      const second = await startTestDynamo({ path: dir });
      try {
        const listed = await new DynamoStateStore(second.doc, second.tableName).listDigestItems('C9');
        expect(listed.map((i) => i.findingId)).toEqual(['f1']);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the embedded store says which directory it cannot write and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-chatops-'));
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    try {
      const err: unknown = await startEmbeddedDynamo(notADir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toContain(join(notADir, 'dynamodb'));
      expect((err as Error).message).toContain('DATA_DIR');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unavailable store', () => {
  test('a dead endpoint gives StoreUnavailableError', async () => {
    const server = await startDynalite();
    await server.close();
    const client = new DynamoDBClient(localClientConfig(server.endpoint, { maxAttempts: 1 }));
    try {
      const dead = new DynamoStateStore(client, 'state');
      await expect(dead.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(dead.getCard('x')).rejects.toThrow(/unreachable.*GetItem/);
      await expect(dead.claimCard(card('x'), 'A', 60, NOW)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(ensureTable(client, 'state')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      client.destroy();
    }
  });

  test('a missing table gives StoreUnavailableError naming it', async () => {
    const missing = new DynamoStateStore(dynamo.doc, 'no-such-table');
    await expect(missing.ping()).rejects.toThrow(/"no-such-table" does not exist/);
    await expect(missing.approve('f', 'p', 'U', 'bot', 60, NOW)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  test('ping answers on a live store', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
