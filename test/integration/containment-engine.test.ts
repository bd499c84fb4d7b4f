import { PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toFinding } from '../../src/aws/finding-mapper';
import { BLOCK_BUCKET_PUBLIC_ACCESS } from '../../src/domain/remediation/containment/bucket-public-access';
import type { RemediationExecutorFactory } from '../../src/domain/ports';
import type { Proposal } from '../../src/domain/proposal';
import { createLogger } from '../../src/logger';
import { RemediationService } from '../../src/remediation/remediation-service';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { S3HttpStandIn } from '../../support/fakes/s3/http';
import { TEST_CREDENTIALS } from '../../support/helpers/bot-harness';
import { standInStepExecutors } from '../../support/helpers/containment-executors';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { variant } from '../../support/helpers/fixtures';
import { stepPlan, stepResult } from '../../support/helpers/plans';
import { testSealer } from '../../support/helpers/sealer';

const BUCKET = 'example-logs-bucket';
const REQ = 'U0ALICE001';
const APP1 = 'U0BOB00001';
const APP2 = 'U0CAROL001';
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const NO_INGRESS: RemediationExecutorFactory = { forTarget: () => Promise.reject(new Error('restrict-ingress is not used here')) };

let dynamo: TestDynamo;
let store: DynamoStateStore;
let s3: S3HttpStandIn;
let nowMs = Date.parse('2026-11-30T12:00:00Z');
let seq = 0;

function service(owner = 'bot-a'): RemediationService {
  return new RemediationService({
    store,
    executors: NO_INGRESS,
    steps: standInStepExecutors({ s3: s3.endpoint }),
    approvers: { isApprover: (u) => Promise.resolve([REQ, APP1, APP2].includes(u)) },
    sealer: testSealer(),
    owner,
    ttlSeconds: 3600,
    leaseSeconds: 60,
    logger: createLogger('silent'),
    now: () => nowMs,
  });
}

async function proposed(svc = service()): Promise<Proposal> {
  seq++;
  const finding = toFinding(variant('policy-s3-bucketblockpublicaccessdisabled', { id: `engine${String(seq).padStart(10, '0')}` }));
  const planned = await svc.planContainment(finding, BLOCK_BUCKET_PUBLIC_ACCESS);
  if (!planned.ok) throw new Error(planned.message);
  const p = await svc.createProposal({ plan: planned.plan, requester: REQ, channel: 'C0FIND0001', threadTs: '1700000000.000001' });
  s3.resetCalls();
  return p;
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
  s3 = await new S3HttpStandIn().start();
});
afterAll(async () => {
  await s3.close();
  await dynamo.stop();
});
beforeEach(() => {
  s3.reset();
  s3.seedBucket(BUCKET);
});

describe('the containment engine: exactly once, across replicas and crashes, from sealed records only', () => {
  test('two approvers click at once on two replicas: one approval wins, one S3 write', async () => {
    const p = await proposed();
    const [a, b] = await Promise.all([
      service('bot-a').approve(p.findingId, p.id, APP1, p.planDigest),
      service('bot-b').approve(p.findingId, p.id, APP2, p.planDigest),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    expect(s3.writes().map((c) => c.op)).toEqual(['PutPublicAccessBlock']);
    const done = await store.getProposal(p.findingId, p.id);
    expect(done?.state).toBe('executed');
    expect(stepResult(done)?.steps.map((s) => s.outcome)).toEqual(['changed']);
  });

  test("a crash after the journal and the write: the next start resumes it, writes nothing more, and reports the change as this fix's", async () => {
    const p = await proposed();
    const claimed = await service('bot-dead').claim(p.findingId, p.id, APP1, p.planDigest);
    if (!claimed.ok) throw new Error('not claimed');
    // What the dead process did before dying: the journal (sealed with the same key), then the write.
    const sealer = testSealer();
    const states = [{ action: 's3:public-access-block', resource: BUCKET, state: { block: null } }];
    await store.recordStepsBefore(
      p.findingId,
      p.id,
      'bot-dead',
      states,
      sealer.seal('steps-before', { proposalId: p.id, findingId: p.findingId, planDigest: p.planDigest as string, states }),
    );
    const direct = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS });
    await direct.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: ALL_ON }));
    s3.resetCalls();

    expect(await service('bot-new').resumeStalled()).toEqual([]); // the lease has not expired yet
    nowMs += 61_000;
    const [resumed] = await service('bot-new').resumeStalled();
    expect(resumed?.state).toBe('executed');
    expect(s3.writes()).toEqual([]);
    expect(stepResult(resumed)?.steps[0]).toMatchObject({ outcome: 'changed', before: { block: null } });

    const revert = await service().proposeRevert(p.findingId, p.id, APP2);
    if (!revert.ok) throw new Error(JSON.stringify(revert.refusal));
    expect(stepPlan(revert.proposal).steps[0]?.after).toEqual({ block: null });
  });

  test('a journal edited in the table fails its seal: no S3 call, failed TAMPERED', async () => {
    const p = await proposed();
    const claimed = await service('bot-dead').claim(p.findingId, p.id, APP1, p.planDigest);
    if (!claimed.ok) throw new Error('not claimed');
    await store.recordStepsBefore(
      p.findingId,
      p.id,
      'bot-dead',
      [{ action: 's3:public-access-block', resource: BUCKET, state: { block: null } }],
      'f'.repeat(64),
    );
    nowMs += 61_000;
    const [resumed] = await service('bot-new').resumeStalled();
    expect(resumed?.state).toBe('failed');
    expect(stepResult(resumed)?.error?.code).toBe('TAMPERED');
    expect(s3.calls).toEqual([]);
  });

  test('a result edited in the table cannot drive a revert', async () => {
    const p = await proposed();
    await service().approve(p.findingId, p.id, APP1, p.planDigest);
    const done = await store.getProposal(p.findingId, p.id);
    const result = stepResult(done);
    if (!result) throw new Error('no result');
    // The "before" a revert would restore, rewritten to a fully public bucket policy setting.
    const forged = {
      ...result,
      steps: result.steps.map((s) => ({
        ...s,
        before: { block: { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false } },
      })),
    };
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: { pk: `finding#${p.findingId}`, sk: `proposal#${p.id}` },
        UpdateExpression: 'SET #result = :r',
        ExpressionAttributeNames: { '#result': 'result' },
        ExpressionAttributeValues: { ':r': forged },
      }),
    );
    const revert = await service().proposeRevert(p.findingId, p.id, APP2);
    expect(revert.ok).toBe(false);
    expect(JSON.stringify(!revert.ok && revert.refusal)).toContain('fails the bot');
  });

  test('a run that changed nothing (already blocked at run time) offers no revert', async () => {
    const p = await proposed();
    s3.seedBucket(BUCKET, { publicAccessBlock: ALL_ON });
    await service().approve(p.findingId, p.id, APP1, p.planDigest);
    const done = await store.getProposal(p.findingId, p.id);
    expect(done?.state).toBe('executed');
    expect(stepResult(done)?.steps.map((s) => s.outcome)).toEqual(['unchanged']);
    expect(s3.writes()).toEqual([]);
    const revert = await service().proposeRevert(p.findingId, p.id, APP2);
    expect(!revert.ok && revert.refusal).toMatchObject({
      reason: 'not-revertible',
      detail: 'The run changed nothing, so there is nothing to revert.',
    });
  });
});
