import type { App, BlockButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps';
import { ACTION } from '../../ids';
import { nextPage } from './next-page';
import { openConsole } from './open-console';
import { viewFinding } from './view-finding';

export function registerActions(app: App, deps: SlackDeps): void {
  app.action<BlockButtonAction>(ACTION.viewFinding, viewFinding(deps));
  app.action<BlockButtonAction>(ACTION.nextPage, nextPage(deps));
  app.action(ACTION.openConsole, openConsole());
}
