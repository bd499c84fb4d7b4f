import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Proposal } from '../../src/domain/proposal';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { MalformedItemError } from '../../src/store/errors';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';

// The table is writable by others than the bot: an item it cannot read is a clear error, or left out of a list.

const NOW = 1_700_000_000;

let dynamo: TestDynamo;
let store: DynamoStateStore;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoStateStore(dynamo.client, dynamo.tableName);
});

afterAll(async () => {
  await dynamo.stop();
});

function put(item: Record<string, unknown>): Promise<unknown> {
  return dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: item }));
}

function proposal(findingId: string, id: string): Proposal {
  return {
    id,
    findingId,
    kind: 'remediate',
    state: 'executing',
    requester: 'U_REQ',
    approver: 'U_APP',
    plan: {
      playbook: 'restrict-ssh',
      findingId,
      accountId: '111122223333',
      region: 'eu-west-1',
      ports: [22],
      trustedSources: [{ kind: 'cidr', cidr: '10.0.0.0/8', version: 4 }],
      revoke: [{ groupId: 'sg-1', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
      authorize: [],
      untouched: [],
    },
    createdAt: NOW,
    expiresAt: NOW + 3600,
    channel: 'C1',
    threadTs: '1700000000.000100',
    execOwner: 'bot-gone',
    execLeaseExpiresAt: NOW - 60,
    history: [],
  };
}

test('a card record with a wrong type: reading it is a MalformedItemError; a batch read leaves it out', async () => {
  await store.claimCard(
    {
      findingId: 'good-card',
      region: 'eu-west-1',
      accountId: '111122223333',
      state: 'posted',
      severity: 8,
      updatedAtMs: 1,
      count: 1,
      archived: false,
    },
    'A',
    60,
    NOW,
  );
  await put({
    pk: 'finding#bad-card',
    sk: 'card',
    findingId: 'bad-card',
    region: 'eu-west-1',
    accountId: '111122223333',
    state: 'posted',
    severity: 'high',
    updatedAtMs: 1,
    count: 1,
    archived: false,
  });

  const err = await store.getCard('bad-card').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MalformedItemError);
  expect((err as MalformedItemError).code).toBe('STORE_ITEM_MALFORMED');
  expect((err as Error).message).toContain('finding#bad-card card');
  expect((err as Error).message).toContain('severity');
  expect([...(await store.getCards(['good-card', 'bad-card'])).keys()]).toEqual(['good-card']);
});

test('a proposal whose plan is not a plan: getProposal refuses it; lists, the finding record and the stalled scan leave it out', async () => {
  const findingId = 'finding-with-bad-proposal';
  const good = proposal(findingId, 'aaaaaaaaaaaa0001');
  await store.createProposal(good);
  const bad = proposal(findingId, 'aaaaaaaaaaaa0002');
  await put({ pk: `finding#${findingId}`, sk: `proposal#${bad.id}`, ...bad, plan: { revoke: 'everything' }, approveBy: NOW + 3600 });

  await expect(store.getProposal(findingId, bad.id)).rejects.toBeInstanceOf(MalformedItemError);
  expect((await store.listProposals(findingId)).map((p) => p.id)).toEqual([good.id]);
  expect((await store.getFindingRecord(findingId)).proposals.map((p) => p.id)).toEqual([good.id]);
  const stalled = await store.listStalledExecutions(NOW);
  expect(stalled.map((p) => p.id)).toContain(good.id);
  expect(stalled.map((p) => p.id)).not.toContain(bad.id);
});

test('a sent digest with one entry that is not a digest item: the others are listed', async () => {
  const item = {
    findingId: 'f-digest-1',
    region: 'eu-west-1',
    accountId: '111122223333',
    severity: 2,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    title: 'probe',
  };
  await put({
    pk: 'digestsent#D-bad',
    sk: 'part#00000',
    digestId: 'D-bad',
    channel: 'C1',
    sentAt: NOW,
    parts: 1,
    items: [item, { findingId: 7 }, 'nonsense'],
  });
  expect(await store.getDigest('D-bad')).toEqual([item]);
});

test('the store leaves undefined values out of what it writes; a document client over the same connection keeps its own marshalling', async () => {
  const p = {
    ...proposal('finding-undefined', 'aaaaaaaaaaaa0003'),
    approver: undefined,
    plan: { ...proposal('finding-undefined', 'x').plan, instanceId: undefined },
  };
  await store.createProposal(p);
  expect((await store.getProposal(p.findingId, p.id))?.plan).not.toHaveProperty('instanceId');
  await expect(put({ pk: 'x', sk: 'y', nested: { a: undefined } })).rejects.toThrow(/removeUndefinedValues/);
});
