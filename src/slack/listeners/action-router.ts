import type { AllMiddlewareArgs, App, BlockAction, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type pino from 'pino';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
export type ButtonHandler = (args: ButtonArgs) => Promise<void>;
export type ActionRoutes = ReadonlyMap<string, ButtonHandler>;

/**
 * Every button through one Bolt listener that picks its handler by `action_id`. Bolt runs each registered
 * listener's middleware for every request, so one listener instead of fifteen keeps that cost off each ack.
 * An unknown `action_id` (a stale or forged payload) is acked and ignored.
 */
export function registerActionRouter(app: App, routes: ActionRoutes, logger: pino.Logger): void {
  app.action<BlockAction>({ type: 'block_actions' }, async (args) => {
    const handler = routes.get(args.action.action_id);
    if (!handler) {
      await args.ack();
      logger.debug({ actionId: args.action.action_id }, 'button with no handler ignored');
      return;
    }
    await handler(args as unknown as ButtonArgs);
  });
}
