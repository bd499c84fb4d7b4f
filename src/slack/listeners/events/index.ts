import type { App } from '@slack/bolt';
import { AppHome } from '../../app-home';
import type { SlackDeps } from '../../deps';
import { appHomeOpened } from './app-home-opened';

/** The Events API events the bot listens to (Socket Mode and HTTP alike): only `app_home_opened`. */
export function registerEvents(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', appHomeOpened(new AppHome(deps), deps.logger.child({ component: 'app-home' })));
}
