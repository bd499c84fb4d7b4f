import { STATS_PERIODS, type StatsPeriod } from '../../../domain/command';
import { keepsStats, type ChatMessage } from '../../../domain/ports';
import { collectStats } from '../../../domain/stats';
import { statsMessage } from '../../blocks/stats';
import type { SlackDeps } from '../../deps';

const PERIOD_LABEL: Record<StatsPeriod, string> = { '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };

/** `/guardduty stats [24h|7d|30d]`: the period's numbers, every channel's cards. */
export async function statsAnswer(deps: SlackDeps, period: StatsPeriod, nowMs = Date.now()): Promise<ChatMessage> {
  const store = deps.store ?? deps.channel?.store;
  const report = await collectStats(
    {
      findings: deps.findings,
      ...(store && keepsStats(store) ? { cards: store } : {}),
      ...(store ? { ownedAmong: (ids: readonly string[]) => store.ownedAmong(ids) } : {}),
    },
    { fromMs: nowMs - STATS_PERIODS[period] * 1000, toMs: nowMs },
  );
  return statsMessage(report, { title: `GuardDuty numbers: ${PERIOD_LABEL[period]}` });
}
