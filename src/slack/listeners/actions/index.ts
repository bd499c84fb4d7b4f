import type { SlackDeps } from '../../deps';
import { ACTION } from '../../ids';
import type { ButtonHandler } from '../action-router';
import { archiveFinding } from './archive-finding';
import { assignFinding } from './assign-finding';
import { digestList } from './digest-list';
import { findingFeedback } from './finding-feedback';
import { nextPage } from './next-page';
import { openConsole } from './open-console';
import { postToChannel } from './post-to-channel';
import { reassignFinding } from './reassign-finding';
import { reopenFinding } from './reopen-finding';
import { resolveFinding } from './resolve-finding';
import { resolveFormAction } from './resolve-form';
import { sequenceSignals } from './sequence-signals';
import { takeFinding } from './take-finding';
import { viewFinding } from './view-finding';

/** The finding and list buttons (ownership and status included), by action ID. */
export function findingActionRoutes(deps: SlackDeps): [string, ButtonHandler][] {
  return [
    [ACTION.viewFinding, viewFinding(deps)],
    [ACTION.nextPage, nextPage(deps)],
    [ACTION.openConsole, openConsole()],
    [ACTION.archive, archiveFinding(deps)],
    [ACTION.feedbackUseful, findingFeedback(deps)],
    [ACTION.feedbackNotUseful, findingFeedback(deps)],
    [ACTION.postToChannel, postToChannel(deps)],
    [ACTION.digestList, digestList(deps)],
    [ACTION.take, takeFinding(deps)],
    [ACTION.assign, assignFinding(deps)],
    [ACTION.reassign, reassignFinding(deps)],
    [ACTION.resolveForm, resolveFormAction(deps)],
    [ACTION.resolve, resolveFinding(deps)],
    [ACTION.reopen, reopenFinding(deps)],
    [ACTION.sequenceSignals, sequenceSignals(deps)],
  ];
}
