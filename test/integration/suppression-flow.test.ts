import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import pino from 'pino';
import type { Proposal } from '../../src/domain/proposal';
import { ARCHIVE_STEP, FILTER_PREFIX, FILTER_STEP, TAG_EXPIRES } from '../../src/domain/remediation/containment/suppress-similar';
import { SuppressionExpirer } from '../../src/feed/suppression-expirer';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import { standInStepExecutors } from '../../support/helpers/containment-executors';
import { variant } from '../../support/helpers/fixtures';
import { stepPlan, stepResult } from '../../support/helpers/plans';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { blockAction, click, interaction, slashCommand } from '../../support/helpers/signed-request';
import type { ApiCall } from '../../support/helpers/slack-stand-in';

/*
 * Suppress similar… end to end: the real Bolt app over signed HTTP, the bot's real suppression executor (the
 * GuardDuty SDK client) against the GuardDuty stand-in, dynalite. The count the modal shows is what the approved
 * run archives; the rule archives later matches; Revert and expiry delete it.
 */

const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL } = RH;
const REGION = 'us-east-1';
const INSTANCE = 'i-012345678aabbccdd';
const OTHER_INSTANCE = 'i-0ffffffffffffffff';
const TYPE = 'UnauthorizedAccess:EC2/SSHBruteForce';

let rig: RemediationRig;
let seq = 0;

beforeEach(async () => {
  rig = await startRemediationRig({}, { steps: standInStepExecutors({}) });
});
afterEach(async () => {
  await rig.stop();
});

function id(label: string): string {
  seq += 1;
  return `${label}${String(seq).padStart(4, '0')}`.padEnd(32, '0');
}

function ssh(findingId: string, patch: { instance?: string; archived?: boolean; updatedAt?: string } = {}): SdkFinding {
  const f = variant('unauthorizedaccess-ec2-sshbruteforce', {
    id: findingId,
    archived: patch.archived ?? false,
    region: REGION,
    ...(patch.updatedAt ? { updatedAt: patch.updatedAt } : {}),
  });
  if (patch.instance) f.Resource = { ...f.Resource, InstanceDetails: { ...f.Resource?.InstanceDetails, InstanceId: patch.instance } };
  return f;
}

/** The finding suppressed from, 3 more open on the same instance, one on another instance, one archived already. */
function seed(): { finding: string; sameInstance: string[]; otherInstance: string; archived: string } {
  const finding = id('a');
  const sameInstance = [id('b'), id('c'), id('d')];
  const otherInstance = id('e');
  const archived = id('f');
  rig.gd.put(
    ssh(finding),
    ...sameInstance.map((x) => ssh(x)),
    ssh(otherInstance, { instance: OTHER_INSTANCE }),
    ssh(archived, { archived: true }),
  );
  return { finding, sameInstance, otherInstance, archived };
}

const threadPosts = () => rig.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
const viewOf = (call: ApiCall) => call.body.view as { blocks: unknown[]; callback_id: string; private_metadata: string };

async function openModal(findingId: string): Promise<{ meta: string; text: string }> {
  await click(rig.bot.events, {
    actionId: 'finding_suppress_similar',
    value: `${REGION} ${findingId}`,
    userId: ALICE,
    channelId: CHANNEL,
    responseUrl: rig.slack.responseUrl(`suppress-${findingId}`),
  });
  const opened = await rig.slack.waitFor(() => rig.slack.callsTo('views.open')[0], 5000, 'views.open');
  expect(viewOf(opened).callback_id).toBe('remediation_suppression_view');
  expect(JSON.stringify(viewOf(opened).blocks)).toContain('Counting the open findings');
  const updated = await rig.slack.waitFor(() => rig.slack.callsTo('views.update')[0], 5000, 'views.update');
  const view = viewOf(updated);
  assertValidMessage(view.blocks, { modal: true });
  assertNoUnescaped(view.blocks);
  // The checkbox values the modal offers (criterion key and a digest of the value shown), as Slack would send them back.
  const checkboxes = (view.blocks as { block_id?: string; element?: { options?: { value: string }[] } }[]).find(
    (b) => b.block_id === 'suppress_criteria',
  );
  tokens = Object.fromEntries((checkboxes?.element?.options ?? []).map((o) => [o.value.split(':')[0], o.value]));
  return { meta: view.private_metadata, text: JSON.stringify(view.blocks) };
}

/** The checkbox values of the modal opened last, by criterion key. */
let tokens: Record<string, string> = {};

function submission(
  meta: string,
  viewId: string,
  form: { keys: string[]; reason: string; days?: string; archive?: boolean },
): Record<string, unknown> {
  const payload = proposeSubmission(ALICE, '', viewId, meta);
  const view = payload.view as Record<string, unknown>;
  const option = (value: string) => ({ value, text: { type: 'plain_text', text: value } });
  return {
    ...payload,
    view: {
      ...view,
      callback_id: 'remediation_suppression_view',
      state: {
        values: {
          suppress_criteria: { suppress_criteria: { type: 'checkboxes', selected_options: form.keys.map((k) => option(tokens[k] ?? k)) } },
          suppress_reason: { suppress_reason_input: { type: 'plain_text_input', value: form.reason } },
          suppress_expiry: { suppress_expiry_input: { type: 'static_select', selected_option: option(form.days ?? '30') } },
          suppress_archive: { suppress_archive_input: { type: 'checkboxes', selected_options: form.archive ? [option('archive')] : [] } },
        },
      },
    },
  };
}

async function propose(meta: string, viewId: string, form: Parameters<typeof submission>[2], findingId: string): Promise<Proposal> {
  const res = await interaction(rig.bot.events, submission(meta, viewId, form));
  expect(res.status).toBe(200);
  return eventually(
    async () => (await rig.store.listProposals(findingId)).find((p) => p.kind !== 'revert' && p.messageTs),
    'proposal posted',
  );
}

const approveValue = (p: Proposal) => `${p.findingId} ${p.id} ${p.planDigest ?? ''}`;

async function approve(p: Proposal, user: string): Promise<Proposal> {
  await click(rig.bot.events, {
    actionId: 'remediation_approve',
    value: approveValue(p),
    userId: user,
    channelId: CHANNEL,
    responseUrl: rig.slack.responseUrl(`approve-${p.id}-${user}`),
  });
  return eventually(async () => {
    const now = await rig.store.getProposal(p.findingId, p.id);
    return now?.state === 'executed' || now?.state === 'failed' ? now : undefined;
  }, `proposal ${p.id} settled`);
}

const isArchived = (findingId: string) => rig.gd.get(REGION, findingId)?.Service?.Archived === true;

describe('Suppress similar… in Slack', () => {
  test('modal counts the matches (and recounts when a criterion is removed); the approved rule archives exactly them, then new matches; Revert deletes it and unarchives them', async () => {
    const s = seed();
    const { meta, text } = await openModal(s.finding);
    expect(text).toContain(TYPE);
    expect(text).toContain(INSTANCE);
    expect(text).toContain('*4 open findings* match these criteria now');
    expect(rig.gd.calls.CreateFilter).toBe(0);

    // Unticking the instance (and the remote IP) widens the rule to the other instance's finding too.
    const checkboxChange = {
      ...blockAction({ actionId: 'suppress_criteria', value: '', userId: ALICE, responseUrl: rig.slack.responseUrl('x') }),
      container: { type: 'view', view_id: 'V0VIEW0001' },
      view: {
        id: 'V0VIEW0001',
        hash: '1700000000.aaaa',
        private_metadata: meta,
        callback_id: 'remediation_suppression_view',
        type: 'modal',
      },
      actions: [
        {
          type: 'checkboxes',
          action_id: 'suppress_criteria',
          block_id: 'suppress_criteria',
          selected_options: [{ value: tokens['type'] }, { value: tokens['account'] }],
          action_ts: '1700000000.1',
        },
      ],
    };
    await interaction(rig.bot.events, checkboxChange);
    const recount = await rig.slack.waitFor(() => rig.slack.callsTo('views.update')[1], 5000, 'recount');
    expect(recount.body.hash).toBe('1700000000.aaaa');
    expect(JSON.stringify(viewOf(recount).blocks)).toContain('*5 open findings* match these criteria now');

    // Mistakes are shown on their fields, nothing stored.
    const bad = await interaction(rig.bot.events, submission(meta, 'V0VIEWSUP001', { keys: ['account'], reason: '' }));
    expect(bad.json).toMatchObject({
      response_action: 'errors',
      errors: { suppress_criteria: expect.stringContaining('account alone'), suppress_reason: expect.stringContaining('Say why') },
    });
    expect(await rig.store.listProposals(s.finding)).toEqual([]);

    const proposal = await propose(
      meta,
      'V0VIEWSUP002',
      { keys: ['type', 'account', 'resource'], reason: 'our bastion scanner', archive: true },
      s.finding,
    );
    const plan = stepPlan(proposal);
    const archiveSteps = plan.steps.filter((st) => st.action === ARCHIVE_STEP).map((st) => st.resource);
    expect(archiveSteps.sort()).toEqual([s.finding, ...s.sameInstance].sort());
    const filterName = plan.target.id;
    expect(filterName.startsWith(FILTER_PREFIX)).toBe(true);
    const posted = await rig.slack.waitFor(
      () => threadPosts().find((c) => c.body.thread_ts === proposal.threadTs && String(c.body.text).includes('proposed by')),
      5000,
      'proposal message',
    );
    assertValidMessage(posted.body.blocks as unknown[]);
    expect(JSON.stringify(posted.body.blocks)).toContain(filterName);

    // The requester cannot approve; a second person can, once.
    await click(rig.bot.events, {
      actionId: 'remediation_approve',
      value: approveValue(proposal),
      userId: ALICE,
      channelId: CHANNEL,
      responseUrl: rig.slack.responseUrl('self'),
    });
    await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/self'), 5000, 'self refused');
    expect(rig.gd.calls.CreateFilter).toBe(0);
    const done = await approve(proposal, BOB);
    expect(done.state).toBe('executed');
    expect(stepResult(done)).toMatchObject({ ok: true });
    expect(rig.gd.calls.CreateFilter).toBe(1);

    const [filter] = rig.gd.filtersIn(REGION);
    expect(filter).toMatchObject({ name: filterName, action: 'ARCHIVE' });
    expect(filter?.criterion).toEqual({
      type: { equals: [TYPE] },
      accountId: { equals: [ssh(s.finding).AccountId] },
      'resource.instanceDetails.instanceId': { equals: [INSTANCE] },
    });
    expect(filter?.tags?.[TAG_EXPIRES]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(filter?.description).toContain(ALICE);
    // Exactly the previewed four are archived; the other instance's stays open.
    expect([s.finding, ...s.sameInstance].every(isArchived)).toBe(true);
    expect(isArchived(s.otherInstance)).toBe(false);

    // New activity: a matching finding is archived by GuardDuty through the rule, another instance's is not.
    const later = id('g');
    const elsewhere = id('h');
    const now = new Date(Date.now() - 60_000).toISOString();
    rig.gd.put(ssh(later, { updatedAt: now }), ssh(elsewhere, { instance: OTHER_INSTANCE, updatedAt: now }));
    expect(isArchived(later)).toBe(true);
    expect(isArchived(elsewhere)).toBe(false);
    // The feed posts no card for the suppressed one; the other gets its card.
    const { poller, outbox } = rig.bot.composed;
    if (!poller || !outbox) throw new Error('no feed');
    const stats = await poller.pollOnce(REGION);
    await outbox.drain(CHANNEL);
    expect(stats.outcomes.suppressed).toBeGreaterThanOrEqual(1);
    expect(await rig.store.getCard(later)).toBeUndefined();
    expect((await rig.store.getCard(elsewhere))?.state).toBe('posted');

    // Revert: proposed by Carol, approved by Bob: the rule is deleted and the four it archived are open again.
    await click(rig.bot.events, {
      actionId: 'remediation_revert',
      value: `${done.findingId} ${done.id}`,
      userId: CAROL,
      channelId: CHANNEL,
      responseUrl: rig.slack.responseUrl('revert'),
    });
    const revert = await eventually(
      async () => (await rig.store.listProposals(s.finding)).find((r) => r.kind === 'revert' && r.messageTs),
      'revert proposal',
    );
    expect(stepPlan(revert).steps.find((st) => st.action === FILTER_STEP)?.after).toBeNull();
    const undone = await approve(revert, BOB);
    expect(undone.state).toBe('executed');
    expect(rig.gd.filtersIn(REGION)).toEqual([]);
    expect([s.finding, ...s.sameInstance].some(isArchived)).toBe(false);
    // What GuardDuty archived through the rule is not the run's: it stays archived.
    expect(isArchived(later)).toBe(true);
  });

  test('expiry: the rule is deleted on its date with one thread reply across two replicas; a rule changed outside the bot is left with a warning', async () => {
    const s = seed();
    const { meta } = await openModal(s.finding);
    const proposal = await propose(meta, 'V0VIEWSUP010', { keys: ['type', 'resource'], reason: 'known scanner', days: '7' }, s.finding);
    const done = await approve(proposal, BOB);
    expect(done.state).toBe('executed');
    const filterName = stepPlan(done).target.id;
    expect(rig.gd.filtersIn(REGION).map((f) => f.name)).toEqual([filterName]);

    const remediation = rig.bot.composed.remediation;
    const publisher = rig.bot.composed.publisher;
    if (!remediation || !publisher) throw new Error('remediation not wired');
    const expiresMs = Date.parse(
      `${String(stepPlan(done).steps[0] && (stepPlan(done).steps[0]?.after as { tags: Record<string, string> }).tags[TAG_EXPIRES])}T00:00:00Z`,
    );
    const expirer = (owner: string, nowMs: number) =>
      new SuppressionExpirer(
        rig.store,
        remediation.service,
        standInStepExecutors({}),
        publisher,
        { owner, now: () => nowMs, leaseSeconds: 1, regions: [REGION, 'us-west-2'] },
        pino({ level: 'silent' }),
      );

    // The day before: nothing happens.
    expect(await expirer('r1', expiresMs - 3_600_000).tick()).toMatchObject({ deleted: 0 });
    expect(rig.gd.filtersIn(REGION)).toHaveLength(1);

    const replies = () => threadPosts().filter((c) => String(c.body.text).includes('expired'));
    const [first, second] = await Promise.all([expirer('r1', expiresMs + 60_000).tick(), expirer('r2', expiresMs + 60_000).tick()]);
    expect((first?.deleted ?? 0) + (second?.deleted ?? 0)).toBe(1);
    expect(rig.gd.filtersIn(REGION)).toEqual([]);
    await rig.slack.waitFor(() => replies()[0], 5000, 'expiry reply');
    expect(await expirer('r2', expiresMs + 10 * 86_400_000).tick()).toMatchObject({ deleted: 0, changed: 0 });
    expect(replies()).toHaveLength(1);
    expect(String(replies()[0]?.body.text)).toContain(`${filterName}\` expired`);
    expect(replies()[0]?.body.thread_ts).toBe(done.threadTs);

    // A second rule, changed in the console after the bot created it: at expiry it is left, and the thread says so.
    const other = id('k');
    rig.gd.put(ssh(other));
    const { meta: meta2 } = await (async () => {
      rig.slack.calls.length = 0;
      return openModal(other);
    })();
    const p2 = await propose(meta2, 'V0VIEWSUP011', { keys: ['type', 'resource'], reason: 'known scanner again', days: '7' }, other);
    const done2 = await approve(p2, CAROL);
    const name2 = stepPlan(done2).target.id;
    const stored = rig.gd.getFilter(REGION, rig.gd.detectorId, name2);
    rig.gd.deleteFilter(REGION, rig.gd.detectorId, name2);
    rig.gd.createFilter(REGION, rig.gd.detectorId, {
      ...stored,
      name: name2,
      description: `${stored.description ?? ''} widened`,
      criterion: { type: { equals: [TYPE] } },
    });
    const stats = await expirer('r2', expiresMs + 11 * 86_400_000).tick();
    expect(stats).toMatchObject({ changed: 1, deleted: 0 });
    expect(rig.gd.filtersIn(REGION).map((f) => f.name)).toEqual([name2]);
    await rig.slack.waitFor(
      () => threadPosts().find((c) => String(c.body.text).includes('changed in GuardDuty since the bot created it')),
      5000,
      'changed warning',
    );
    // Left in place and no longer indexed: the hourly look-over names it (the log says so as an error).
    expect(await expirer('r2', expiresMs + 12 * 86_400_000).reconcile()).toEqual([{ region: REGION, name: name2 }]);
  });

  test('/guardduty suppressions lists each rule as GuardDuty has it now, and filters named like the bot’s that it did not create', async () => {
    const s = seed();
    const { meta } = await openModal(s.finding);
    const proposal = await propose(
      meta,
      'V0VIEWSUP020',
      { keys: ['type', 'resource'], reason: 'staging brute-force tests', archive: true },
      s.finding,
    );
    const done = await approve(proposal, CAROL);
    const name = stepPlan(done).target.id;
    // Someone else makes a rule that looks like the bot's.
    rig.gd.createFilter(REGION, rig.gd.detectorId, {
      name: `${FILTER_PREFIX}20990101-forged`,
      action: 'ARCHIVE',
      criterion: { type: { equals: [TYPE] } },
    });
    // And one in a region where the bot has no rule, past the date its name gives.
    rig.gd.createFilter('us-west-2', rig.gd.detectorId, {
      name: `${FILTER_PREFIX}20200101-kept`,
      action: 'ARCHIVE',
      criterion: { type: { equals: [TYPE] } },
    });

    const ask = async (label: string): Promise<string> => {
      await slashCommand(rig.bot.events, {
        text: 'suppressions',
        userId: BOB,
        channelId: CHANNEL,
        responseUrl: rig.slack.responseUrl(label),
      });
      const reply = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === `/respond/${label}`), 5000, label);
      assertValidMessage(reply.body.blocks as unknown[]);
      assertNoUnescaped(reply.body.blocks);
      return JSON.stringify(reply.body.blocks);
    };
    const first = await ask('list-1');
    expect(first).toContain(name);
    expect(first).toContain('active, as approved');
    expect(first).toContain(`proposed by <@${ALICE}>, approved by <@${CAROL}>`);
    expect(first).toContain(`instance = ${INSTANCE}`);
    // The four it archived (the finding and its three twins) and the one archived before; none open.
    expect(first).toContain(`matches ${[s.finding, ...s.sameInstance, s.archived].length} archived and 0 open findings`);
    expect(first).toContain(`${FILTER_PREFIX}20990101-forged`);
    expect(first).toContain('without an approved record');
    expect(first).toContain(`${FILTER_PREFIX}20200101-kept\` (us-west-2, *past the expiry date its name gives (2020-01-01)*)`);

    const stored = rig.gd.getFilter(REGION, rig.gd.detectorId, name);
    rig.gd.deleteFilter(REGION, rig.gd.detectorId, name);
    rig.gd.createFilter(REGION, rig.gd.detectorId, { ...stored, name, criterion: { type: { equals: [TYPE] } } });
    expect(await ask('list-2')).toContain('changed in GuardDuty since it was approved');
  });

  test('expiry is robust: a run that failed after creating the rule, an index entry with a forged date, a transient DeleteFilter error, a refusal', async () => {
    const s = seed();
    const { meta } = await openModal(s.finding);
    // The filter step runs first; the archive step after it is refused, so the run fails with the rule in place.
    rig.gd.faults.ArchiveFindings = {
      name: 'BadRequestException',
      message: 'The request is rejected because the input findingId is not valid.',
      times: 50,
    };
    const proposal = await propose(
      meta,
      'V0VIEWSUP030',
      { keys: ['type', 'resource'], reason: 'known scanner', days: '7', archive: true },
      s.finding,
    );
    const done = await approve(proposal, BOB);
    delete rig.gd.faults.ArchiveFindings;
    expect(done.state).toBe('failed');
    const name = stepPlan(done).target.id;
    expect(rig.gd.filtersIn(REGION).map((f) => f.name)).toEqual([name]);

    const remediation = rig.bot.composed.remediation;
    const publisher = rig.bot.composed.publisher;
    if (!remediation || !publisher) throw new Error('remediation not wired');
    const expires = (stepPlan(done).steps[0]?.after as { tags: Record<string, string> }).tags[TAG_EXPIRES] ?? '';
    const expiresMs = Date.parse(`${expires}T00:00:00Z`);
    let clockMs = expiresMs - 86_400_000;
    const expirer = new SuppressionExpirer(
      rig.store,
      remediation.service,
      standInStepExecutors({}),
      publisher,
      { owner: 'r1', now: () => clockMs },
      pino({ level: 'silent' }),
    );

    // Someone writes an entry for the same proposal due today: it is replaced by the sealed date, nothing is deleted.
    const [entry] = await rig.store.listSuppressions(10);
    if (!entry) throw new Error('no index entry');
    await rig.store.recordSuppression({ ...entry, expiresS: Math.floor(clockMs / 1000) - 60 });
    expect(await expirer.tick()).toMatchObject({ deleted: 0, 'not-due': 1 });
    expect(rig.gd.filtersIn(REGION)).toHaveLength(1);
    expect((await rig.store.listSuppressions(10)).map((e) => e.expiresS)).toEqual([entry.expiresS]);

    // At expiry, a 500 from DeleteFilter leaves the entry for the next sweep and says nothing; the next sweep deletes.
    clockMs = expiresMs + 60_000;
    rig.gd.faults.DeleteFilter = { name: 'InternalServerErrorException', status: 500, times: 1 };
    expect(await expirer.tick()).toMatchObject({ deleted: 0, failed: 0 });
    expect(rig.gd.filtersIn(REGION)).toHaveLength(1);
    expect(threadPosts().filter((c) => String(c.body.text).includes('expired'))).toEqual([]);
    clockMs += 300_000;
    expect(await expirer.tick()).toMatchObject({ deleted: 1 });
    expect(rig.gd.filtersIn(REGION)).toEqual([]);
    await rig.slack.waitFor(() => threadPosts().find((c) => String(c.body.text).includes(`${name}\` expired`)), 5000, 'expiry reply');

    // A refusal (AccessDenied) is said once in the thread, and the rule is left for a person.
    const other = id('m');
    rig.gd.put(ssh(other));
    rig.slack.calls.length = 0;
    const { meta: meta2 } = await openModal(other);
    const p2 = await propose(meta2, 'V0VIEWSUP031', { keys: ['type', 'resource'], reason: 'known scanner again', days: '7' }, other);
    const done2 = await approve(p2, CAROL);
    const name2 = stepPlan(done2).target.id;
    rig.gd.faults.DeleteFilter = { name: 'AccessDeniedException', status: 403 };
    clockMs += 2 * 86_400_000;
    expect(await expirer.tick()).toMatchObject({ failed: 1, deleted: 0 });
    expect(await expirer.tick()).toMatchObject({ failed: 0 });
    delete rig.gd.faults.DeleteFilter;
    expect(rig.gd.filtersIn(REGION).map((f) => f.name)).toEqual([name2]);
    await rig.slack.waitFor(() => threadPosts().find((c) => String(c.body.text).includes('may not delete it')), 5000, 'refusal reply');
    expect(threadPosts().filter((c) => String(c.body.text).includes('may not delete it'))).toHaveLength(1);
  });

  test('a finding that changed between the modal and the submission (a new remote IP) is not suppressed on the new value', async () => {
    const s = seed();
    await openModal(s.finding);
    const meta = `${REGION} ${s.finding} suppress-similar ${CHANNEL}`;
    rig.gd.update(REGION, s.finding, (f) => {
      const action = f.Service?.Action?.NetworkConnectionAction;
      if (action?.RemoteIpDetails) action.RemoteIpDetails = { ...action.RemoteIpDetails, IpAddressV4: '203.0.113.99' };
    });
    const res = await interaction(rig.bot.events, submission(meta, 'V0VIEWSUP040', { keys: ['type', 'remote-ip'], reason: 'scanner' }));
    expect(res.status).toBe(200);
    const told = await rig.slack.waitFor(
      () => rig.slack.callsTo('chat.postEphemeral').find((c) => String(c.body.text).includes('changed since the form was opened')),
      5000,
      'changed notice',
    );
    expect(String(told.body.text)).toContain('203.0.113.99');
    expect(await rig.store.listProposals(s.finding)).toEqual([]);
    expect(rig.gd.calls.CreateFilter).toBe(0);
  });
});
