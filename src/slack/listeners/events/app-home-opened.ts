import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type pino from 'pino';
import type { AppHome } from '../../app-home';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/**
 * The person opened the bot's Home tab: publish their view (proposals waiting for them, what they own, what is
 * open now), or the one they were shown moments ago when they reopen it quickly (AppHome.opened). Access control
 * ran first: a person not allowed to use the bot got the reason instead.
 */
export function appHomeOpened(home: AppHome, logger: pino.Logger) {
  return async ({ event, client }: Args): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      const how = await home.opened(client, event.user);
      if (how === 'reused') logger.debug({ user: event.user }, 'App Home reopened: last view published again');
    } catch (err) {
      logger.error({ err, user: event.user }, 'App Home not published');
    }
  };
}
