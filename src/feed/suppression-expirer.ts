import type pino from 'pino';
import { AwsCallError, ChatOpsError, describeError } from '../domain/errors';
import type { LeaseStore, StepExecutorFactory } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import {
  FILTER_STEP,
  SUPPRESS_SIMILAR,
  suppressionExpiry,
  type SuppressionSurvey,
} from '../domain/remediation/containment/suppress-similar';
import { TamperedError } from '../domain/remediation/seal';
import { sameState } from '../domain/remediation/steps';
import {
  expiryDateS,
  type SealedSuppression,
  type SealedSuppressions,
  type SuppressionEntry,
  type SuppressionStore,
} from '../domain/suppressions';
import type { ThreadReplier } from './reminder-sweeper';

/** The lease one replica holds to expire suppression rules. */
export const SUPPRESSION_LEASE = 'suppressions';

export interface SuppressionExpirerOptions {
  owner: string;
  /** Between sweeps (default 5 min). */
  sweepIntervalMs?: number;
  /** Default 600 s. */
  leaseSeconds?: number;
  batch?: number;
  now?: () => number;
  /**
   * The regions whose filters are looked over (hourly) for rules named like the bot's that are past the date their
   * name gives and that no record of the bot's will delete: each is logged as an error, once per process.
   */
  regions?: readonly string[];
}

export type ExpiryOutcome = 'deleted' | 'changed' | 'gone' | 'failed' | 'dropped' | 'not-due';

/**
 * Deletes each suppression rule the bot created when its expiry date comes. The rule is read from its sealed
 * proposal (the index only says when to look): the filter is deleted only while it is exactly what the approved
 * plan created; a rule changed since, or one the bot may not delete, gets one reply in the finding's thread instead.
 * One replica sweeps (the `suppressions` lease); the conditional removal of the index entry makes each reply once.
 */
export class SuppressionExpirer {
  private timer?: NodeJS.Timeout;
  private reconciledAtS = 0;
  private readonly reported = new Set<string>();
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly store: SuppressionStore & LeaseStore,
    private readonly sealed: SealedSuppressions,
    private readonly steps: StepExecutorFactory,
    private readonly replier: ThreadReplier,
    private readonly options: SuppressionExpirerOptions,
    private readonly logger: pino.Logger,
  ) {}

  private nowS(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  start(): void {
    if (this.timer) return;
    const run = () => {
      this.sweeping = this.tick().catch((err: unknown) => this.logger.warn({ err }, 'suppression sweep failed; the next one tries again'));
    };
    this.timer = setInterval(run, this.options.sweepIntervalMs ?? 300_000);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await this.store.releaseLease(SUPPRESSION_LEASE, this.options.owner).catch(() => false);
  }

  /** One sweep if this replica holds (or takes) the lease; undefined otherwise. */
  async tick(): Promise<Record<ExpiryOutcome, number> | undefined> {
    if (!(await this.store.acquireLease(SUPPRESSION_LEASE, this.options.owner, this.options.leaseSeconds ?? 600, this.nowS())))
      return undefined;
    const stats: Record<ExpiryOutcome, number> = { deleted: 0, changed: 0, gone: 0, failed: 0, dropped: 0, 'not-due': 0 };
    for (const entry of await this.store.dueSuppressions(this.nowS(), this.options.batch ?? 50)) {
      try {
        stats[await this.expire(entry)]++;
      } catch (err) {
        this.logger.warn(
          { err, findingId: entry.findingId, proposalId: entry.proposalId },
          'suppression rule not expired; the next sweep tries again',
        );
      }
    }
    if (this.nowS() - this.reconciledAtS >= 3600) {
      this.reconciledAtS = this.nowS();
      await this.reconcile().catch((err: unknown) => this.logger.warn({ err }, 'suppression rules not looked over'));
    }
    return stats;
  }

  /** Rules named like the bot's, past their date, with no index entry left to expire them: said in the log. */
  async reconcile(): Promise<{ region: string; name: string }[]> {
    const today = new Date(this.nowS() * 1000).toISOString().slice(0, 10);
    const indexed = new Set((await this.store.listSuppressions(1000)).map((e) => `${e.region} ${e.filterName}`));
    const overdue: { region: string; name: string }[] = [];
    for (const region of this.options.regions ?? []) {
      const executor = await this.steps.forPlaybook(SUPPRESS_SIMILAR, '', region);
      const survey = (await executor.survey({ kind: 'guardduty-filter', id: '', label: 'filters', data: {} })) as SuppressionSurvey;
      for (const name of survey.filterNames ?? []) {
        const date = /^guardduty-chatops-(\d{4})(\d{2})(\d{2})-/.exec(name);
        if (!date || `${date[1]}-${date[2]}-${date[3]}` >= today || indexed.has(`${region} ${name}`)) continue;
        overdue.push({ region, name });
        if (this.reported.has(`${region} ${name}`)) continue;
        this.reported.add(`${region} ${name}`);
        this.logger.error(
          { region, filter: name },
          "a suppression rule named like the bot's is past its expiry date and no record of the bot's will delete it: find out who made or kept it",
        );
      }
    }
    return overdue;
  }

  private async expire(entry: SuppressionEntry): Promise<ExpiryOutcome> {
    const log = this.logger.child({ findingId: entry.findingId, proposalId: entry.proposalId, filter: entry.filterName });
    let sealed: SealedSuppression;
    try {
      sealed = await this.sealed.sealedSuppression(entry.findingId, entry.proposalId, this.nowS());
    } catch (err) {
      if (!(err instanceof TamperedError) && !(err instanceof ChatOpsError && err.code === 'STORE_ITEM_MALFORMED')) throw err;
      // The record cannot be trusted, so neither can its thread: said in the log, and the rule is left alone.
      log.error({ err: describeError(err) }, 'suppression record fails the seal or is malformed; its rule is not deleted');
      await this.store.removeSuppression(entry);
      return 'dropped';
    }
    if (sealed.kind === 'pending') return 'not-due';
    if (sealed.kind === 'never') {
      await this.store.removeSuppression(entry);
      return 'dropped';
    }
    // The index is only a pointer: the rule, its name and its expiry are the sealed plan's.
    const { proposal, plan } = sealed;
    const rule = suppressionExpiry(plan);
    const step = plan.steps.find((s) => s.action === FILTER_STEP);
    const dueS = rule && expiryDateS(rule.expires);
    if (!rule || !step || dueS === undefined) {
      await this.store.removeSuppression(entry);
      return 'dropped';
    }
    if (dueS !== entry.expiresS) {
      // An entry with another date (written twice, or altered): the sealed date replaces it.
      await this.store.recordSuppression({ ...entry, filterName: rule.filterName, region: plan.region, expiresS: dueS });
      await this.store.removeSuppression(entry);
      return 'not-due';
    }
    if (dueS > this.nowS()) return 'not-due';

    const executor = await this.steps.forPlaybook(SUPPRESS_SIMILAR, plan.accountId, plan.region);
    const ctx = { proposalId: proposal.id, findingId: proposal.findingId, approvedAt: proposal.approvedAt ?? 0 };
    const name = chatText(rule.filterName).slice(0, 80);
    const live = await executor.read(step, ctx);
    if (live === null) {
      await this.store.removeSuppression(entry);
      return 'gone';
    }
    if (!sameState(live, step.after)) {
      if (await this.store.removeSuppression(entry))
        await this.tell(
          proposal,
          `:warning: Suppression rule \`${name}\` expired on ${rule.expires}, but it was changed in GuardDuty since the bot created it, so the bot did not delete it. Look at it in the GuardDuty console (Suppression rules) and delete it if it is not wanted.`,
        );
      log.warn('expired suppression rule was changed outside the bot; not deleted');
      return 'changed';
    }
    try {
      await executor.write(step, null, ctx);
    } catch (err) {
      // Throttling, a 5xx, the network: the next sweep tries again. Only a refusal is said in the thread, once.
      if (!isRefusal(err)) throw err;
      if (await this.store.removeSuppression(entry))
        await this.tell(
          proposal,
          `:warning: Suppression rule \`${name}\` expired on ${rule.expires}, but the bot may not delete it: ${chatText(describeError(err)).slice(0, 400)}. Delete it in the GuardDuty console (Suppression rules).`,
        );
      log.warn({ err }, 'expired suppression rule not deleted');
      return 'failed';
    }
    if (await this.store.removeSuppression(entry))
      await this.tell(
        proposal,
        `:hourglass: Suppression rule \`${name}\` expired (${rule.expires}): the bot deleted it. New findings that match get cards again.`,
      );
    log.info('expired suppression rule deleted');
    return 'deleted';
  }

  private async tell(proposal: Proposal, text: string): Promise<void> {
    try {
      await this.replier.replyInThread(proposal.channel, proposal.threadTs, {
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
    } catch (err) {
      this.logger.warn({ err, findingId: proposal.findingId }, 'expiry not said in the thread');
    }
  }
}

/** Text for a chat message: what Slack would read as a link, mention or entity is escaped. */
function chatText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An AWS answer that retrying will not change: the bot may not delete the rule, or GuardDuty refuses the request. */
function isRefusal(err: unknown): boolean {
  return err instanceof AwsCallError && /AccessDenied|Unauthorized|Forbidden|BadRequest|Validation/i.test(err.awsCode);
}
