import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps';
import { guarddutyCommand } from './guardduty-command';

export const COMMAND_NAME = '/guardduty';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command(COMMAND_NAME, guarddutyCommand(deps));
}
