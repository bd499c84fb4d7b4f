import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand, type Command } from '../../../domain/command';
import { CommandSyntaxError, describeError } from '../../../domain/errors';
import type { Finding } from '../../../domain/finding';
import { listFindings } from '../../../domain/list-findings';
import { listUnowned } from '../../../domain/list-unowned';
import { compareForMine, triageOf } from '../../../domain/ownership';
import type { CardRecord, StateStore } from '../../../domain/ports';
import { routeFinding } from '../../../domain/routing';
import { findingCardText } from '../../blocks/finding-card';
import { findingsList } from '../../blocks/findings-list';
import { helpBlocks, noticeBlocks } from '../../blocks/help';
import { ownedList, unownedList } from '../../blocks/ownership';
import { routeTestMessage, routesMessage } from '../../blocks/routes';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { BUSY_MESSAGE, afterAck } from '../../work-queue';
import { findingAnswer } from '../../finding-answer';
import { statsAnswer } from './stats-answer';
import { suppressionsAnswer } from './suppressions-answer';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/guardduty …`: acks at once (help and syntax errors in the ack itself), then fetches and responds. */
export function guarddutyCommand(deps: SlackDeps) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    let parsed: Command;
    try {
      parsed = parseCommand(command.text, deps.config.aws.regions);
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      await ack({ response_type: 'ephemeral', text: mrkdwn(err.message, 500), blocks: helpBlocks(err.message) });
      return;
    }
    if (parsed.kind === 'help') {
      await ack({ response_type: 'ephemeral', text: 'How to use /guardduty', blocks: helpBlocks() });
      return;
    }
    if (parsed.kind === 'routes') {
      await ack({ response_type: 'ephemeral', ...routesMessage(deps.config.feed.routes, deps.config.feed.channel) });
      return;
    }
    if (deps.work?.full) {
      await ack({ response_type: 'ephemeral', text: `:hourglass: ${BUSY_MESSAGE}` });
      return;
    }
    await ack();
    const log = deps.logger.child({ command: parsed.kind, user: command.user_id });
    try {
      await afterAck(deps.work, async () => {
        if (parsed.kind === 'mine' || (parsed.kind === 'findings' && parsed.filter.unowned)) {
          const store = deps.store ?? deps.channel?.store;
          if (!store) {
            const text =
              ":information_source: Who owns what is kept in the bot's state store (DYNAMODB_TABLE, or the embedded store in DATA_DIR); ask whoever runs the bot to configure it.";
            await respond({ response_type: 'ephemeral', text, blocks: noticeBlocks(text) });
            return;
          }
          if (parsed.kind === 'mine') {
            await respond({
              response_type: 'ephemeral',
              ...ownedList(command.user_id, await ownedFindings(deps.findings, store, command.user_id)),
            });
            return;
          }
          const listing = await listUnowned(deps.findings, parsed.filter, (ids) => store.ownedAmong(ids));
          await respond({ response_type: 'ephemeral', ...unownedList(parsed.filter, listing.findings, listing.more, listing.failures) });
          return;
        }
        if (parsed.kind === 'suppressions') {
          await respond({ response_type: 'ephemeral', ...(await suppressionsAnswer(deps)) });
          return;
        }
        if (parsed.kind === 'stats') {
          await respond({ response_type: 'ephemeral', ...(await statsAnswer(deps, parsed.period)) });
          return;
        }
        if (parsed.kind === 'findings') {
          const listing = await listFindings(deps.findings, parsed.filter, 0);
          await respond({
            response_type: 'ephemeral',
            text: `${listing.findings.length} findings`,
            blocks: findingsList(parsed.filter, listing),
          });
          return;
        }
        const finding = await deps.findings.findById(parsed.id, parsed.region);
        if (!finding) {
          const text = `:grey_question: No finding ${mrkdwn(parsed.id, 130)} in ${deps.findings.regions.join(', ')}. Check the ID (it is on the card and in the console) and the region.`;
          await respond({ response_type: 'ephemeral', text, blocks: noticeBlocks(text) });
          return;
        }
        if (parsed.kind === 'routes-test') {
          const { routes, channel } = deps.config.feed;
          // Without FINDINGS_CHANNEL the fallback is '': the finding would get no card.
          const route = routeFinding(routes ?? [], channel ?? '', finding);
          await respond({ response_type: 'ephemeral', ...routeTestMessage(finding, routes, route.channel ? route : undefined) });
          return;
        }
        await respond({ response_type: 'ephemeral', text: findingCardText(finding), blocks: await findingAnswer(deps, finding) });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, command.user_id)) return;
      log.warn({ err }, 'command failed');
      const text = `:warning: ${mrkdwn(describeError(err), 1000)}\nNothing was changed. Try again in a minute; if it keeps failing, check the bot's AWS permissions.`;
      await respond({ response_type: 'ephemeral', text, blocks: noticeBlocks(text) });
    }
  };
}

/** The person's owned findings (the store decides), open first, each with its finding from GuardDuty when it still has it. */
async function ownedFindings(
  source: SlackDeps['findings'],
  store: StateStore,
  userId: string,
): Promise<{ card: CardRecord; finding?: Finding }[]> {
  const cards = (await store.listOwned(userId)).sort((a, b) => compareForMine(triageOf(a), triageOf(b)));
  const byRegion = new Map<string, string[]>();
  for (const card of cards) byRegion.set(card.region, [...(byRegion.get(card.region) ?? []), card.findingId]);
  const found = new Map<string, Finding>();
  await Promise.all(
    [...byRegion].map(async ([region, ids]) => {
      if (!source.regions.includes(region)) return;
      for (const f of await source.get(region, ids)) found.set(f.id, f);
    }),
  );
  return cards.map((card) => ({ card, finding: found.get(card.findingId) }));
}
