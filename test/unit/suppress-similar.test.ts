import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { AwsStepExecutors } from '../../src/aws/containment';
import { ISOLATE_INSTANCE } from '../../src/domain/remediation/containment/isolate-instance';
import { toFinding } from '../../src/aws/finding-mapper';
import { isPlanRefusal } from '../../src/domain/remediation/containment/playbook';
import {
  ARCHIVE_STEP,
  FILTER_PREFIX,
  FILTER_STEP,
  MAX_ARCHIVED,
  MAX_FILTERS,
  SUPPRESS_SIMILAR,
  TAG_EXPIRES,
  choiceData,
  chosenCriteria,
  filterDescription,
  suppressSimilar,
  suppressionCriteria,
  suppressionExpiry,
  type FilterState,
  type SuppressionChoice,
  type SuppressionSurvey,
} from '../../src/domain/remediation/containment/suppress-similar';
import { applicablePlaybooks, stepPlaybookFor } from '../../src/domain/remediation/registry';
import type { StepPlan } from '../../src/domain/remediation/steps';
import { stepPlanProblems } from '../../src/remediation/step-runner';
import { findingCard } from '../../src/slack/blocks/finding-card';
import { channelCardOptions } from '../../src/slack/card-options';
import { ACTION } from '../../src/slack/ids';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import { fixtureNames, loadFixture } from '../../support/helpers/fixtures';
import { suppressModal } from '../../src/slack/blocks/suppress-modal';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const ssh = toFinding(loadFixture('unauthorizedaccess-ec2-sshbruteforce'));
const dns = toFinding(loadFixture('backdoor-ec2-ccactivity-dns'));
const key = toFinding(loadFixture('unauthorizedaccess-iamuser-credential-exfiltration'));

function choice(patch: Partial<SuppressionChoice> = {}): SuppressionChoice {
  return {
    keys: ['type', 'account', 'resource'],
    reason: 'our scanner',
    days: 30,
    archiveCurrent: false,
    requester: 'U0ALICE',
    nowMs: NOW,
    ...patch,
  };
}

function planFor(finding = ssh, c = choice(), survey: Partial<SuppressionSurvey> = {}): StepPlan {
  const target = suppressSimilar.appliesTo(finding);
  if (!target || !suppressSimilar.choose) throw new Error('not applicable');
  const chosen = suppressSimilar.choose(finding, target, choiceData(c));
  if (isPlanRefusal(chosen)) throw new Error(chosen.message);
  const plan = suppressSimilar.plan(finding, chosen, { existing: null, openMatches: [], openMatchCount: 0, ...survey });
  if (isPlanRefusal(plan)) throw new Error(plan.message);
  return plan;
}

function filterOf(plan: StepPlan): FilterState {
  return plan.steps.find((s) => s.action === FILTER_STEP)?.after as FilterState;
}

describe('suppress-similar criteria', () => {
  it('offers type, account and what the finding names (instance, remote IP; domain; access key)', () => {
    const remote = ssh.action?.remoteIps[0]?.ip;
    expect(suppressionCriteria(ssh).map((c) => [c.key, c.field, c.value])).toEqual([
      ['type', 'type', ssh.type],
      ['account', 'accountId', ssh.accountId],
      ['resource', 'resource.instanceDetails.instanceId', 'i-012345678aabbccdd'],
      ['remote-ip', 'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4', remote],
    ]);
    expect(suppressionCriteria(dns).find((c) => c.key === 'domain')).toMatchObject({
      field: 'service.action.dnsRequestAction.domain',
      value: 'c2.malicious-example.net',
    });
    const keyCriterion = suppressionCriteria(key).find((c) => c.key === 'resource');
    expect(keyCriterion?.field).toBe('resource.accessKeyDetails.accessKeyId');
    expect(keyCriterion?.value).toBe(key.resource.kind === 'accessKey' ? key.resource.accessKeyId : 'no key');
  });

  it('refuses no criterion, the account alone, and a criterion the finding does not have', () => {
    expect(chosenCriteria(ssh, [])).toMatchObject({ refused: true, code: 'NO_CRITERIA' });
    expect(chosenCriteria(ssh, ['account'])).toMatchObject({ refused: true, code: 'TOO_BROAD' });
    expect(chosenCriteria(key, ['domain'])).toMatchObject({ refused: true, code: 'BAD_CRITERIA' });
  });

  it('is not in the Propose fix menu (the card has its own button) but is a registered playbook', () => {
    expect(applicablePlaybooks(ssh).map((p) => p.id)).not.toContain(SUPPRESS_SIMILAR);
    expect(stepPlaybookFor(SUPPRESS_SIMILAR)).toBe(suppressSimilar);
  });
});

describe('suppress-similar plan', () => {
  it('creates one ARCHIVE filter named by the bot with the chosen criteria, an expiry and who asked', () => {
    const plan = planFor();
    expect(plan.steps).toHaveLength(1);
    const step = plan.steps[0];
    expect(step?.action).toBe(FILTER_STEP);
    expect(step?.resource.startsWith(FILTER_PREFIX)).toBe(true);
    expect(step?.before).toBeNull();
    const filter = filterOf(plan);
    expect(filter.action).toBe('ARCHIVE');
    expect(filter.criteria).toEqual({
      type: [ssh.type],
      accountId: [ssh.accountId],
      'resource.instanceDetails.instanceId': ['i-012345678aabbccdd'],
    });
    expect(filter.tags[TAG_EXPIRES]).toBe('2026-12-30');
    expect(filter.description).toContain('U0ALICE');
    expect(filter.description).toContain('2026-12-30');
    expect(filter.description).toContain('our scanner');
    expect(stepPlanProblems(plan)).toEqual([]);
    expect(suppressionExpiry(plan)).toMatchObject({ filterName: step?.resource, expires: '2026-12-30' });
  });

  it('archives the current matches only when asked, and refuses more than the engine runs at once', () => {
    const ids = Array.from({ length: 3 }, (_, i) => `a${String(i).padStart(31, '0')}`);
    const withArchive = planFor(ssh, choice({ archiveCurrent: true }), { openMatches: ids, openMatchCount: 3 });
    expect(withArchive.steps.filter((s) => s.action === ARCHIVE_STEP).map((s) => s.resource)).toEqual(ids);
    expect(stepPlanProblems(withArchive)).toEqual([]);
    const without = planFor(ssh, choice(), { openMatches: ids, openMatchCount: 3 });
    expect(without.steps).toHaveLength(1);
    expect(without.untouched[0]?.label).toContain('3 open findings');

    const target = suppressSimilar.appliesTo(ssh);
    const chosen = target && suppressSimilar.choose?.(ssh, target, choiceData(choice({ archiveCurrent: true })));
    if (!chosen || isPlanRefusal(chosen)) throw new Error('no target');
    const many = Array.from({ length: MAX_ARCHIVED + 1 }, (_, i) => `b${String(i).padStart(31, '0')}`);
    expect(suppressSimilar.plan(ssh, chosen, { existing: null, openMatches: many, openMatchCount: 120 })).toMatchObject({
      refused: true,
      code: 'TOO_MANY_MATCHES',
    });
  });

  it('refuses a name that exists already and an incomplete form', () => {
    const target = suppressSimilar.appliesTo(ssh);
    if (!target || !suppressSimilar.choose) throw new Error('not applicable');
    const chosen = suppressSimilar.choose(ssh, target, choiceData(choice()));
    if (isPlanRefusal(chosen)) throw new Error(chosen.message);
    const existing = filterOf(planFor());
    expect(suppressSimilar.plan(ssh, chosen, { existing, openMatches: [], openMatchCount: 0 })).toMatchObject({ code: 'FILTER_EXISTS' });
    expect(suppressSimilar.choose(ssh, target, { ...choiceData(choice()), reason: ' ' })).toMatchObject({ code: 'BAD_CHOICE' });
    const full = Array.from({ length: MAX_FILTERS }, (_, i) => `rule-${i}`);
    expect(suppressSimilar.plan(ssh, chosen, { existing: null, openMatches: [], openMatchCount: 0, filterNames: full })).toMatchObject({
      code: 'FILTER_QUOTA',
    });
    expect(
      isPlanRefusal(suppressSimilar.plan(ssh, chosen, { existing: null, openMatches: [], openMatchCount: 0, filterNames: full.slice(1) })),
    ).toBe(false);
    expect(suppressSimilar.choose(ssh, target, { ...choiceData(choice()), days: '3650' })).toMatchObject({ code: 'BAD_CHOICE' });
  });

  it('writes only characters GuardDuty accepts in the description, within 512', () => {
    const reason = `<!channel> it's "fine", @here; ${'x'.repeat(600)}`;
    const description = filterDescription(ssh, choice({ reason }), '2026-12-30');
    expect(description).toMatch(/^[A-Za-z0-9\-.:_(){}[\]/ \t\n]+$/);
    expect(description.length).toBeLessThanOrEqual(512);
    expect(description).toContain('channel');
  });
});

describe('suppress-similar executor rules (a forged plan is refused before any call)', () => {
  const forged = (mutate: (plan: StepPlan) => void): string[] => {
    const plan = planFor(ssh, choice({ archiveCurrent: true }), { openMatches: ['c'.repeat(32)], openMatchCount: 1 });
    mutate(plan);
    return stepPlanProblems(plan);
  };

  it.each([
    ['a NOOP filter', (p: StepPlan) => (filterOf(p).action = 'NOOP'), /not ARCHIVE/],
    ['no criteria', (p: StepPlan) => (filterOf(p).criteria = {}), /no criteria/],
    ['the account alone', (p: StepPlan) => (filterOf(p).criteria = { accountId: [ssh.accountId] }), /every finding of an account/],
    ['a field the bot does not offer', (p: StepPlan) => (filterOf(p).criteria['severity'] = ['8']), /does not offer/],
    ['two values for a field', (p: StepPlan) => (filterOf(p).criteria['type'] = ['A', 'B']), /exactly one value/],
    ['another name', (p: StepPlan) => p.steps[0] && (p.steps[0].resource = 'prod-allow-everything'), /not a name the bot gives/],
    ['no expiry', (p: StepPlan) => delete filterOf(p).tags[TAG_EXPIRES], /no expiry/],
    ['changing an existing filter', (p: StepPlan) => p.steps[0] && (p.steps[0].before = { action: 'NOOP' }), /exists/],
    [
      'unarchiving instead of archiving',
      (p: StepPlan) => p.steps[1] && ([p.steps[1].before, p.steps[1].after] = [p.steps[1].after, p.steps[1].before]),
      /something else than archive/,
    ],
    ['another kind of step', (p: StepPlan) => p.steps[1] && (p.steps[1].action = 'iam:access-key-status'), /not a suppression step/],
    [
      'two filters',
      (p: StepPlan) => p.steps[0] && p.steps.push({ ...p.steps[0], resource: `${FILTER_PREFIX}second` }),
      /exactly one GuardDuty filter/,
    ],
  ])('refuses %s', (_name, mutate, problem) => {
    expect(forged(mutate).join('; ')).toMatch(problem);
  });
});

describe('Suppress similar… on the cards', () => {
  it('is on every channel card, also where no fix applies', () => {
    const rds = toFinding(loadFixture('credentialaccess-rds-anomalousbehavior-successfullogin'));
    expect(applicablePlaybooks(rds)).toEqual([]);
    for (const f of [rds, dns, ssh, key]) {
      const actions = findingCard(f, channelCardOptions(f))
        .filter((b) => b.type === 'actions')
        .flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? e.action_id : undefined)) : []));
      expect(actions).toContain(ACTION.suppressSimilar);
    }
  });
});

describe('the Suppress similar modal', () => {
  it.each(fixtureNames())('is valid Block Kit and escaped for fixture %s, in every state', (name) => {
    const f = toFinding(loadFixture(name));
    const criteria = suppressionCriteria(f);
    for (const matches of [
      { kind: 'loading' as const },
      { kind: 'counted' as const, count: 1000 },
      { kind: 'error' as const, message: '<!channel> & co' },
      { kind: 'refused' as const, message: 'no' },
    ]) {
      const view = suppressModal({
        finding: f,
        criteria,
        selected: criteria.map((c) => c.key),
        metadata: `us-east-1 ${f.id} suppress-similar`,
        matches,
      });
      assertValidMessage(view.blocks, { modal: true });
      assertNoUnescaped(view.blocks);
    }
  });
});

describe('what the approver is told', () => {
  it('warns when no account is named, and not otherwise', () => {
    expect(planFor(ssh, choice({ keys: ['type', 'resource'] })).warnings[0]).toContain('applies to every account');
    expect(planFor(ssh, choice({ keys: ['type', 'account'] })).warnings.join(' ')).not.toContain('every account');
  });
});

describe('where a suppression rule is made', () => {
  it('in the bot’s own (administrator) account: no remediation role is assumed for it, unlike a fix in a member account', async () => {
    const asked: string[] = [];
    const executors = new AwsStepExecutors({
      credentialsFor: (accountId) => {
        asked.push(accountId);
        return Promise.resolve(undefined);
      },
      makeEc2: (region) => new EC2Client({ region }),
      makeIam: (region) => new IAMClient({ region }),
      makeS3: (region) => new S3Client({ region }),
      makeGuardDuty: (region) => new GuardDutyClient({ region }),
    });
    await executors.forPlaybook(SUPPRESS_SIMILAR, '999999999999', 'us-east-1');
    expect(asked).toEqual([]);
    await executors.forPlaybook(ISOLATE_INSTANCE, '999999999999', 'us-east-1');
    expect(asked).toEqual(['999999999999']);
  });

  it('says GuardDuty has no dry run, instead of claiming a permission check', async () => {
    const executors = new AwsStepExecutors({
      credentialsFor: () => Promise.resolve(undefined),
      makeEc2: (region) => new EC2Client({ region }),
      makeIam: (region) => new IAMClient({ region }),
      makeS3: (region) => new S3Client({ region }),
      makeGuardDuty: (region) => new GuardDutyClient({ region }),
    });
    const outcome = await (await executors.forPlaybook(SUPPRESS_SIMILAR, ssh.accountId, 'us-east-1')).permissionCheck(planFor());
    expect(outcome).toMatchObject({ ok: true, checked: false });
    expect(outcome.message).toContain('no dry run');
  });
});
