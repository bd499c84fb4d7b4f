import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand, type Command } from '../../../domain/command';
import { CommandSyntaxError, describeError } from '../../../domain/errors';
import { listFindings } from '../../../domain/list-findings';
import { routeFinding } from '../../../domain/routing';
import { findingCardText } from '../../blocks/finding-card';
import { findingsList } from '../../blocks/findings-list';
import { helpBlocks, noticeBlocks } from '../../blocks/help';
import { routeTestMessage, routesMessage } from '../../blocks/routes';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { BUSY_MESSAGE, afterAck } from '../../work-queue';
import { findingAnswer } from '../../finding-answer';

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
