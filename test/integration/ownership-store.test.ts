import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CardRecord } from '../../src/domain/ports';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';

/* The ownership writes and the owner index in dynalite: one conditional write decides, the index follows it. */

const NOW = 1_700_000_000;
const USERS = Array.from({ length: 8 }, (_, i) => `U0PERSON${i}0`);

let dynamo: TestDynamo;
let store: DynamoStateStore;
let seq = 0;
const fid = () => `ownstore${String(++seq).padStart(24, '0')}`;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoStateStore(dynamo.client, dynamo.tableName);
});
afterAll(async () => {
  await dynamo.stop();
});

async function newCard(): Promise<string> {
  const findingId = fid();
  const record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'> = {
    findingId,
    region: 'us-east-1',
    accountId: '111122223333',
    state: 'posted',
    channel: 'C0CHAN0001',
    ts: '1700000000.000100',
    severity: 8,
    updatedAtMs: 1000,
    count: 1,
    archived: false,
  };
  expect(await store.claimCard(record, 'bot', 30, NOW)).toBe(true);
  return findingId;
}

/** Every owner index item of the finding, as stored. */
async function indexOwners(findingId: string): Promise<string[]> {
  const owners: string[] = [];
  for (const user of [...USERS, 'U0OTHER001']) {
    const out = await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tableName, Key: { pk: `owner#${user}`, sk: `finding#${findingId}` } }),
    );
    if (out.Item) owners.push(user);
  }
  return owners;
}

describe('ownership writes and the owner index', () => {
  it('eight people taking at once: one owner, and only their index item is left', async () => {
    const findingId = await newCard();
    const results = await Promise.all(USERS.map((u) => store.takeFinding(findingId, u, NOW)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const owner = winners[0]?.card?.owner;
    for (const r of results) expect(r.card?.owner).toBe(owner);
    expect(await store.getCard(findingId)).toMatchObject({ owner, status: 'investigating', triageVersion: 1, ownedSince: NOW });
    expect(await indexOwners(findingId)).toEqual([owner]);
  });

  it('the owner double-clicking: the refused second take keeps the index item of the first', async () => {
    const findingId = await newCard();
    const [a, b] = await Promise.all([store.takeFinding(findingId, 'U0OTHER001', NOW), store.takeFinding(findingId, 'U0OTHER001', NOW)]);
    expect([a?.ok, b?.ok].filter(Boolean)).toHaveLength(1);
    expect(await indexOwners(findingId)).toEqual(['U0OTHER001']);
    expect((await store.listOwned('U0OTHER001')).map((c) => c.findingId)).toContain(findingId);
  });

  it('racing reassigns pinned on the same owner: one wins; the index names only the winner', async () => {
    const findingId = await newCard();
    const first = USERS[0] ?? '';
    expect((await store.takeFinding(findingId, first, NOW)).ok).toBe(true);
    const results = await Promise.all(USERS.slice(1).map((u) => store.reassignFinding(findingId, first, u, NOW + 5)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const owner = winners[0]?.card?.owner ?? '';
    expect(await store.getCard(findingId)).toMatchObject({ owner, ownedSince: NOW + 5, triageVersion: 2 });
    expect(await indexOwners(findingId)).toEqual([owner]);
    expect((await store.listOwned(owner)).map((c) => c.findingId)).toContain(findingId);
    expect((await store.listOwned(first)).map((c) => c.findingId)).not.toContain(findingId);
  });

  it('resolve and reopen are pinned on the version read; resolving an unowned finding makes the resolver its owner', async () => {
    const findingId = await newCard();
    expect((await store.resolveFinding(findingId, USERS[2] ?? '', 'fixed', undefined, 3, false, NOW)).ok).toBe(false);
    const resolved = await store.resolveFinding(findingId, USERS[2] ?? '', 'accepted_risk', 'ticket 12', 0, true, NOW);
    expect(resolved).toMatchObject({
      ok: true,
      card: { owner: USERS[2], status: 'resolved', resolution: 'accepted_risk', resolutionNote: 'ticket 12', triageVersion: 1 },
    });
    expect(await indexOwners(findingId)).toEqual([USERS[2]]);
    // The same version again: refused, the first resolution stays.
    expect((await store.resolveFinding(findingId, USERS[2] ?? '', 'duplicate', undefined, 0, true, NOW)).ok).toBe(false);
    expect((await store.reopenFinding(findingId, USERS[3] ?? '', 0, NOW)).ok).toBe(false);
    const reopened = await store.reopenFinding(findingId, USERS[3] ?? '', 1, NOW + 1);
    expect(reopened.ok).toBe(true);
    expect(reopened.card).toMatchObject({ owner: USERS[2], status: 'investigating', statusBy: USERS[3], triageVersion: 2 });
    expect(reopened.card?.resolution).toBeUndefined();
    expect(reopened.card?.resolutionNote).toBeUndefined();
    // Taking a finding someone owns is refused whatever its status.
    expect((await store.takeFinding(findingId, USERS[4] ?? '', NOW)).ok).toBe(false);
    expect(await indexOwners(findingId)).toEqual([USERS[2]]);
  });

  it('no card record: nothing is written and no index item is left', async () => {
    const findingId = fid();
    expect(await store.takeFinding(findingId, USERS[5] ?? '', NOW)).toEqual({ ok: false, card: undefined });
    expect(await indexOwners(findingId)).toEqual([]);
  });

  it('listOwned trusts the card: a fresh stale item is skipped but kept, an old one is removed; a malformed one is ignored', async () => {
    const findingId = await newCard();
    const user = USERS[6] ?? '';
    const put = (item: Record<string, unknown>) => dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: item }));
    await put({ pk: `owner#${user}`, sk: `finding#${findingId}`, findingId, writtenAtMs: Date.now() });
    await put({ pk: `owner#${user}`, sk: 'finding#junk', findingId: 42 });
    expect(await store.listOwned(user)).toEqual([]);
    const query = () =>
      dynamo.doc.send(
        new QueryCommand({
          TableName: dynamo.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `owner#${user}` },
        }),
      );
    // Fresh: it may belong to a take still in flight, so it stays.
    expect((await query()).Items?.map((i) => i['sk'])).toContain(`finding#${findingId}`);
    await put({ pk: `owner#${user}`, sk: `finding#${findingId}`, findingId, writtenAtMs: Date.now() - 120_000 });
    expect(await store.listOwned(user)).toEqual([]);
    expect((await query()).Items?.map((i) => i['sk'])).toEqual(['finding#junk']);
  });

  it('ownedAmong names exactly the findings with an owner', async () => {
    const [a, b] = [await newCard(), await newCard()];
    await store.takeFinding(a, USERS[7] ?? '', NOW);
    expect(await store.ownedAmong([a, b, fid()])).toEqual(new Set([a]));
    expect(await store.ownedAmong([])).toEqual(new Set());
  });
});
