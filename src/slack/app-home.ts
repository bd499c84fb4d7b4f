import type { HomeView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type pino from 'pino';
import { findingsPerDayAltText } from '../charts/findings-per-day';
import { renderFindingsPerDayPng } from '../charts/render-png';
import { lastDays, type DayBandCounts } from '../domain/daily-counts';
import { describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import { KNOWN_FINDING_TYPES } from '../domain/finding-types';
import { keepsPendingProposals, type CardRecord, type FindingsSource } from '../domain/ports';
import {
  HOME_OWNED_MAX,
  HOME_SEQUENCES_MAX,
  HOME_WAITING_MAX,
  homeView,
  type HomeChart,
  type HomeCount,
  type HomeFindingInfo,
  type HomeModel,
  type HomeNow,
  type HomeProposalItem,
} from './blocks/home';
import { mrkdwn } from './blocks/text';
import { ChartUploadCache, ChartUploadError, uploadChart } from './chart-upload';
import type { SlackDeps } from './deps';

/** Proposals read from the store's index of waiting ones for each Home view. */
export const HOME_PENDING_READ = 100;
/** Open high and critical findings counted per region (one ListFindings page, then GetFindings). */
export const HOME_COUNT_PAGE = 50;
/** Accounts per region and band that GetFindingsStatistics is asked for (its maximum). */
export const HOME_STATISTICS_ACCOUNTS = 100;

/** Days the Now section's findings-per-day chart covers, ending today (UTC). */
export const HOME_CHART_DAYS = 14;
/** An open of the Home by the same person within this long re-publishes the view they were last shown, reading nothing. */
export const HOME_REOPEN_REUSE_MS = 10_000;
/** The Now section (GuardDuty's counts, attack sequences, counts per day) is shared by every person's Home this long… */
export const HOME_NOW_TTL_MS = 60_000;
/** …or this long when GuardDuty could not be read, so that a recovery shows soon. */
export const HOME_NOW_ERROR_TTL_MS = 10_000;

const DAY_MS = 86_400_000;

const ATTACK_SEQUENCE_TYPES = KNOWN_FINDING_TYPES.filter((t) => t.startsWith('AttackSequence:'));

export type HomeDeps = Pick<SlackDeps, 'config' | 'logger' | 'findings' | 'channel' | 'remediation' | 'store'>;

/** A Home click comes from a view of type `home`; its button values are the thread's own. */
export function isHomeClick(body: unknown): boolean {
  const b = body as { view?: { type?: string }; container?: { type?: string } };
  return b.view?.type === 'home' && b.container?.type === 'view';
}

function info(f: Finding): HomeFindingInfo {
  return { title: f.title, type: f.type, severity: f.severity, accountId: f.accountId, region: f.region };
}

/** The Now section as read from GuardDuty, before the chart of its daily counts is uploaded. */
interface NowRead {
  now: HomeNow;
  days?: DayBandCounts[];
  /** Why the daily counts are missing (safe to show; escaped when shown). */
  daysError?: string;
}

/** What every Home built over one findings source shares: the Now section, the chart uploads, each person's last view. */
class HomeShared {
  nowRead?: { at: number; ttlMs: number; value: Promise<NowRead> };
  readonly charts = new ChartUploadCache();
  /** The view each person was last published (or is being published), by user ID. */
  readonly shown = new Map<string, { at: number; view: Promise<HomeView> }>();
}

// Keyed by the findings source: the listener's AppHome and the ones a Home click builds share one state.
const SHARED = new WeakMap<FindingsSource, HomeShared>();

function sharedFor(source: FindingsSource): HomeShared {
  let shared = SHARED.get(source);
  if (!shared) SHARED.set(source, (shared = new HomeShared()));
  return shared;
}

function slackErrorOf(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * The App Home: reads what waits for a person (the store's index of waiting proposals, checked against each
 * proposal record), what they own (the ownership index) and what is open now (GuardDuty's statistics and a chart
 * of findings per day, read once for every Home opened within a minute), and publishes it with `views.publish`.
 * Every part fails on its own: the rest of the tab is still shown.
 */
export class AppHome {
  private readonly log: pino.Logger;
  private readonly shared: HomeShared;

  constructor(
    private readonly deps: HomeDeps,
    private readonly now: () => number = Date.now,
  ) {
    this.log = deps.logger.child({ component: 'app-home' });
    this.shared = sharedFor(deps.findings);
  }

  /**
   * The person opened the tab. Within HOME_REOPEN_REUSE_MS of their last view, that view is published again as it
   * was (no GuardDuty, store or upload call); otherwise a new one is built.
   */
  async opened(client: WebClient, userId: string): Promise<'built' | 'reused'> {
    const last = this.shared.shown.get(userId);
    if (last && this.now() - last.at < HOME_REOPEN_REUSE_MS) {
      await client.views.publish({ user_id: userId, view: await last.view });
      return 'reused';
    }
    await this.publish(client, userId);
    return 'built';
  }

  /** Builds and publishes the person's view (with `notice` at the top: the outcome of their click). */
  async publish(client: WebClient, userId: string, notice?: string): Promise<void> {
    const at = this.now();
    const published = this.model(userId, notice, client).then((model) => this.publishModel(client, model));
    const entry = { at, view: published };
    this.shared.shown.set(userId, entry);
    this.forgetOldViews(at);
    try {
      await published;
    } catch (err) {
      if (this.shared.shown.get(userId) === entry) this.shared.shown.delete(userId);
      throw err;
    }
  }

  /** With a client, the Now section's chart is uploaded (or an upload of the same numbers this hour reused). */
  async model(userId: string, notice?: string, client?: WebClient): Promise<HomeModel> {
    const nowMs = this.now();
    const nowS = Math.floor(nowMs / 1000);
    const [waiting, owned, now] = await Promise.all([this.waiting(userId, nowS), this.owned(userId), this.nowSection(nowMs, client)]);
    return { userId, ...(notice ? { notice } : {}), nowS, ...waiting, ...owned, now };
  }

  /** Publishes the view; when Slack refuses it for the chart's image, publishes it again without the chart, saying so. */
  private async publishModel(client: WebClient, model: HomeModel): Promise<HomeView> {
    const view = homeView(model);
    try {
      await client.views.publish({ user_id: model.userId, view });
      return view;
    } catch (err) {
      const chart = model.now.chart;
      if (!chart || !('fileId' in chart) || slackErrorOf(err) !== 'invalid_blocks') throw err;
      this.log.warn({ user: model.userId, fileId: chart.fileId }, 'Slack refused the chart image; Home published without it');
      const without = homeView({
        ...model,
        now: { ...model.now, chart: { unavailable: 'Slack did not accept the uploaded image (invalid_blocks).' } },
      });
      await client.views.publish({ user_id: model.userId, view: without });
      return without;
    }
  }

  private forgetOldViews(nowMs: number): void {
    if (this.shared.shown.size < 100) return;
    for (const [user, entry] of this.shared.shown) if (nowMs - entry.at >= HOME_REOPEN_REUSE_MS) this.shared.shown.delete(user);
  }

  private async nowSection(nowMs: number, client: WebClient | undefined): Promise<HomeNow> {
    const read = await this.nowRead(nowMs);
    const chart = await this.chart(read, nowMs, client);
    return { ...read.now, ...(chart ? { chart } : {}) };
  }

  /** GuardDuty's side of the Now section, read once for every Home opened within HOME_NOW_TTL_MS. */
  private nowRead(nowMs: number): Promise<NowRead> {
    const cached = this.shared.nowRead;
    if (cached && nowMs - cached.at < cached.ttlMs) return cached.value;
    const entry = { at: nowMs, ttlMs: HOME_NOW_TTL_MS, value: this.readNow(nowMs) };
    this.shared.nowRead = entry;
    void entry.value.then((read) => {
      if (read.now.error || read.daysError) entry.ttlMs = HOME_NOW_ERROR_TTL_MS;
    });
    return entry.value;
  }

  private async readNow(nowMs: number): Promise<NowRead> {
    const [now, daily] = await Promise.all([this.current(), this.daily(nowMs)]);
    return { now: { ...now, readAtS: Math.floor(nowMs / 1000) }, ...daily };
  }

  /** Findings per UTC day and band over the last HOME_CHART_DAYS days, summed over the regions; nothing when the source cannot count by day. */
  private async daily(nowMs: number): Promise<Pick<NowRead, 'days' | 'daysError'>> {
    const source = this.deps.findings;
    const countsByDay = source.countsByDay?.bind(source);
    if (!countsByDay) return {};
    const sinceMs = Math.floor(nowMs / DAY_MS) * DAY_MS - (HOME_CHART_DAYS - 1) * DAY_MS;
    try {
      const found = await Promise.all(source.regions.map((region) => countsByDay(region, sinceMs)));
      return { days: lastDays(nowMs, HOME_CHART_DAYS, found.flat()) };
    } catch (err) {
      this.log.warn({ err }, 'findings per day not read');
      return { daysError: `GuardDuty's counts per day could not be read: ${describeError(err)}` };
    }
  }

  /** The chart of the daily counts: one upload per hour and set of numbers, shared by every Home. */
  private async chart(read: NowRead, nowMs: number, client: WebClient | undefined): Promise<HomeChart | undefined> {
    if (read.daysError) return { unavailable: read.daysError };
    const days = read.days;
    if (!days || !client) return undefined;
    const altText = findingsPerDayAltText(days);
    const outcome = await this.shared.charts.fileFor(days, nowMs, async () => {
      let png: Buffer;
      try {
        png = renderFindingsPerDayPng(days);
      } catch (err) {
        throw new ChartUploadError('render_failed', 'The chart could not be drawn.', { cause: err });
      }
      const span = `${days[0]?.date ?? ''} to ${days[days.length - 1]?.date ?? ''}`;
      try {
        return await uploadChart(client, png, {
          filename: `guardduty-findings-per-day-${days[days.length - 1]?.date ?? 'chart'}.png`,
          title: `GuardDuty findings per day by severity, ${span} (UTC)`,
          altText,
        });
      } catch (err) {
        this.log.warn({ reason: err instanceof ChartUploadError ? err.reason : 'unknown' }, 'findings-per-day chart not uploaded');
        throw err;
      }
    });
    return 'fileId' in outcome ? { fileId: outcome.fileId, altText } : { unavailable: outcome.error.message };
  }

  private get store() {
    return this.deps.channel?.store ?? this.deps.store;
  }

  private async waiting(userId: string, nowS: number): Promise<Pick<HomeModel, 'remediationOn' | 'waiting' | 'waitingMore'>> {
    const store = this.deps.channel?.store;
    const approvers = this.deps.remediation?.approvers;
    if (!store || !approvers || !keepsPendingProposals(store)) return { remediationOn: false, waiting: [], waitingMore: 0 };
    try {
      const pending = await store.listPendingProposals(nowS, HOME_PENDING_READ);
      const mine = pending.filter((p) => p.requester === userId);
      const others = pending.filter((p) => p.requester !== userId);
      const approver = others.length > 0 && (await approvers.isApprover(userId));
      const decide = approver ? others : [];
      const all = [...decide.map((p) => ({ p, canDecide: true })), ...mine.map((p) => ({ p, canDecide: false }))];
      const shown = all.slice(0, HOME_WAITING_MAX);
      const findings = await this.findingsOf(shown.map(({ p }) => ({ id: p.findingId, region: p.plan.region })));
      const links = await Promise.all(shown.map(({ p }) => this.permalink(p.channel, p.messageTs ?? p.threadTs)));
      const waiting: HomeProposalItem[] = shown.map(({ p, canDecide }, i) => {
        const finding = findings.get(p.findingId);
        const link = links[i];
        return { proposal: p, canDecide, ...(finding ? { finding } : {}), ...(link ? { link } : {}) };
      });
      return { remediationOn: true, waiting, waitingMore: all.length - shown.length };
    } catch (err) {
      this.log.warn({ err, userId }, 'proposals waiting not read');
      return { remediationOn: true, waiting: [], waitingMore: 0 };
    }
  }

  private async owned(userId: string): Promise<Pick<HomeModel, 'ownershipOn' | 'owned' | 'ownedMore'>> {
    const store = this.store;
    if (!store) return { ownershipOn: false, owned: [], ownedMore: 0 };
    try {
      const cards = (await store.listOwned(userId)).sort(byBandThenNewest);
      const shown = cards.slice(0, HOME_OWNED_MAX);
      const findings = await this.findingsOf(shown.map((c) => ({ id: c.findingId, region: c.region })));
      const links = await Promise.all(shown.map((c) => (c.channel && c.ts ? this.permalink(c.channel, c.ts) : Promise.resolve(undefined))));
      return {
        ownershipOn: true,
        owned: shown.map((card, i) => {
          const finding = findings.get(card.findingId);
          const link = links[i];
          return { card, ...(finding ? { finding } : {}), ...(link ? { link } : {}) };
        }),
        ownedMore: cards.length - shown.length,
      };
    } catch (err) {
      this.log.warn({ err, userId }, 'owned findings not read');
      return { ownershipOn: true, owned: [], ownedMore: 0 };
    }
  }

  /**
   * Open high and critical findings by band and account (GuardDuty's GetFindingsStatistics when the source has it,
   * else a bounded listing), and the newest attack sequences.
   */
  private async current(): Promise<HomeNow> {
    const source: FindingsSource = this.deps.findings;
    try {
      const [counted, sequences] = await Promise.all([this.counts(source), this.sequences(source)]);
      return { ...counted, sequences };
    } catch (err) {
      this.log.warn({ err }, 'open findings not read');
      return { counts: [], source: '', sequences: [], error: mrkdwn(describeError(err), 500) };
    }
  }

  private async counts(source: FindingsSource): Promise<Pick<HomeNow, 'counts' | 'source'>> {
    const regions = source.regions.join(', ');
    const counts = new Map<string, HomeCount>();
    const add = (band: 'high' | 'critical', accountId: string, n: number) => {
      const row = counts.get(`${band}#${accountId}`) ?? { band, accountId, count: 0 };
      row.count += n;
      counts.set(`${band}#${accountId}`, row);
    };
    const statistics = source.countOpenByAccount?.bind(source);
    if (statistics) {
      let truncated = false;
      await Promise.all(
        source.regions.flatMap((region) =>
          (['critical', 'high'] as const).map(async (band) => {
            const out = await statistics(region, band, HOME_STATISTICS_ACCOUNTS);
            truncated ||= out.truncated;
            for (const c of out.counts) add(band, c.accountId, c.count);
          }),
        ),
      );
      return {
        counts: [...counts.values()],
        source:
          `Counted by GuardDuty (GetFindingsStatistics grouped by account) over open findings in ${regions}` +
          (truncated ? `; only the ${HOME_STATISTICS_ACCOUNTS} accounts with most findings per region and band are counted.` : '.'),
      };
    }
    let capped = false;
    const pages = await Promise.all(
      source.regions.map((region) =>
        source.list(region, { minBand: 'high', archived: false, sortBy: 'updatedAt', order: 'DESC' }, HOME_COUNT_PAGE),
      ),
    );
    for (const page of pages) {
      if (page.nextToken) capped = true;
      for (const f of page.findings) if (f.band === 'high' || f.band === 'critical') add(f.band, f.accountId, 1);
    }
    return {
      counts: [...counts.values()],
      source:
        `Counted from a bounded ListFindings query (not GetFindingsStatistics): the ${HOME_COUNT_PAGE} most recently updated open ` +
        `high and critical findings per region (${regions})` +
        (capped ? '; more exist, so these counts are a lower bound.' : '; that is all of them.'),
    };
  }

  /** The newest open attack sequences (their types listed exactly: ListFindings filters types by equality). */
  private async sequences(source: FindingsSource): Promise<HomeNow['sequences']> {
    const pages = await Promise.all(
      source.regions.map((region) =>
        source.list(region, { types: ATTACK_SEQUENCE_TYPES, archived: false, sortBy: 'updatedAt', order: 'DESC' }, HOME_SEQUENCES_MAX),
      ),
    );
    return pages
      .flatMap((p) => p.findings)
      .filter((f) => f.type.startsWith('AttackSequence:'))
      .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))
      .slice(0, HOME_SEQUENCES_MAX)
      .map((f) => ({ finding: { ...info(f), updatedAt: f.updatedAt } }));
  }

  /** Title, type and severity of each finding, read in one GetFindings batch per region; missing ones are left out. */
  private async findingsOf(refs: readonly { id: string; region: string }[]): Promise<Map<string, HomeFindingInfo>> {
    const out = new Map<string, HomeFindingInfo>();
    const byRegion = new Map<string, string[]>();
    for (const r of refs) {
      if (!this.deps.findings.regions.includes(r.region)) continue;
      byRegion.set(r.region, [...new Set([...(byRegion.get(r.region) ?? []), r.id])]);
    }
    await Promise.all(
      [...byRegion].map(async ([region, ids]) => {
        try {
          for (const f of await this.deps.findings.get(region, ids)) out.set(f.id, info(f));
        } catch (err) {
          this.log.warn({ err, region }, 'findings for the Home tab not read');
        }
      }),
    );
    return out;
  }

  private async permalink(channel: string, ts: string): Promise<string | undefined> {
    const messenger = this.deps.channel?.messenger;
    if (!messenger) return undefined;
    try {
      return await messenger.permalink(channel, ts);
    } catch (err) {
      this.log.debug({ err, channel, ts }, 'no permalink');
      return undefined;
    }
  }
}

function byBandThenNewest(a: CardRecord, b: CardRecord): number {
  return b.severity - a.severity || b.updatedAtMs - a.updatedAtMs;
}

/**
 * For a click on the Home tab (it has no response_url): a reply re-publishes the clicker's Home with the text
 * at the top, so they see the outcome or the refusal where they clicked, with what waits for them now.
 * Undefined for any other click.
 */
export function homeReply(deps: HomeDeps, client: WebClient, body: unknown, userId: string): ((text: string) => Promise<void>) | undefined {
  if (!isHomeClick(body)) return undefined;
  const home = new AppHome(deps);
  return async (text: string) => {
    try {
      await home.publish(client, userId, text);
    } catch (err) {
      deps.logger.warn({ err, user: userId }, 'App Home not re-published after a click');
    }
  };
}
