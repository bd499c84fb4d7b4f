import type { App, BlockButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps';
import { ACTION } from '../../ids';
import { archiveFinding } from './archive-finding';
import { digestList } from './digest-list';
import { findingFeedback } from './finding-feedback';
import { nextPage } from './next-page';
import { openConsole } from './open-console';
import { postToChannel } from './post-to-channel';
import { viewFinding } from './view-finding';

export function registerActions(app: App, deps: SlackDeps): void {
  app.action<BlockButtonAction>(ACTION.viewFinding, viewFinding(deps));
  app.action<BlockButtonAction>(ACTION.nextPage, nextPage(deps));
  app.action(ACTION.openConsole, openConsole());
  app.action<BlockButtonAction>(ACTION.archive, archiveFinding(deps));
  app.action<BlockButtonAction>(ACTION.feedbackUseful, findingFeedback(deps));
  app.action<BlockButtonAction>(ACTION.feedbackNotUseful, findingFeedback(deps));
  app.action<BlockButtonAction>(ACTION.postToChannel, postToChannel(deps));
  app.action<BlockButtonAction>(ACTION.digestList, digestList(deps));
}
