import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type pino from 'pino';
import type { AccessPolicy, Capability } from '../access-policy';
import type { WebClient } from '@slack/web-api';
import { homeRefusalView } from '../blocks/home';
import { ACTION, BLOCK } from '../ids';

type Body = Record<string, unknown> & {
  type?: string;
  command?: string;
  user_id?: string;
  channel_id?: string;
  team_id?: string;
  user?: { id?: string; team_id?: string };
  team?: { id?: string } | null;
  channel?: { id?: string };
  container?: { channel_id?: string };
  view?: { team_id?: string };
  actions?: { action_id?: string }[];
  /** Events API: the event itself (`app_home_opened` names the user and the tab). */
  event?: { type?: string; user?: string; tab?: string };
};

const CAPABILITY_OF_ACTION: Record<string, Capability> = {
  [ACTION.archive]: 'archive',
  [ACTION.approve]: 'approve',
  [ACTION.reject]: 'approve',
  [ACTION.proposeFix]: 'propose',
  [ACTION.suppressSimilar]: 'propose',
  [ACTION.revert]: 'propose',
  // Owning and resolving change only the bot's records: anyone who may use the bot (the rules are in domain/ownership.ts).
  [ACTION.take]: 'use',
  [ACTION.assign]: 'use',
  [ACTION.reassign]: 'use',
  [ACTION.resolveForm]: 'use',
  [ACTION.resolve]: 'use',
  [ACTION.reopen]: 'use',
};

function who(body: Body): { user?: string; channel?: string; team?: string } {
  if (body.command) return { user: body.user_id, channel: body.channel_id, team: body.team_id };
  // The Home tab is not a channel: ALLOWED_CHANNEL_IDS does not apply to it, the user rules do.
  if (body.type === 'event_callback') return { user: body.event?.user, team: body.team_id };
  return {
    user: body.user?.id,
    channel: body.channel?.id ?? body.container?.channel_id,
    team: body.team?.id ?? body.user?.team_id ?? body.view?.team_id,
  };
}

/**
 * Runs before every listener: refuses requests from another workspace than the bot's own and people or
 * channels the AccessPolicy does not allow, with an ephemeral reason; the listener never runs for them.
 */
export function accessControl(
  policy: AccessPolicy,
  expectedTeam: () => Promise<string | undefined>,
  logger: pino.Logger,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as Body;
    const { user, channel, team } = who(body);
    const capability: Capability =
      body.type === 'block_actions' ? (CAPABILITY_OF_ACTION[body.actions?.[0]?.action_id ?? ''] ?? 'use') : 'use';
    let reason: string | undefined;
    const home = await expectedTeam();
    if (home && team && team !== home) reason = 'This bot only answers its own workspace.';
    else if (!user) reason = 'This request names no user.';
    else {
      const decision = await policy.check(user, channel, capability);
      if (!decision.ok) reason = decision.reason;
    }
    if (!reason) {
      await args.next();
      return;
    }
    logger.warn({ user, channel, team, capability, kind: body.type ?? 'command' }, 'request refused by access control');
    const a = args as unknown as {
      ack?: (r?: unknown) => Promise<void>;
      respond?: (r: unknown) => Promise<unknown>;
    };
    const homeOpened = body.type === 'event_callback' && body.event?.type === 'app_home_opened' && body.event.tab === 'home';
    if (homeOpened && user && team === home) {
      // The person sees why on the Home tab they opened, instead of the bot's views.
      await publishRefusal(args.client, user, reason, logger);
      return;
    }
    if (body.command) {
      await a.ack?.({ response_type: 'ephemeral', text: `:no_entry: ${reason}` });
    } else if (body.type === 'view_submission') {
      // The reason goes on a field of the submitted modal (Slack refuses errors for a block the view does not have).
      const field = Object.keys((body as { view?: { state?: { values?: object } } }).view?.state?.values ?? {})[0] ?? BLOCK.trustedSources;
      await a.ack?.({ response_action: 'errors', errors: { [field]: reason } });
    } else {
      await a.ack?.();
      if (a.respond && team === home)
        await a.respond({ response_type: 'ephemeral', replace_original: false, text: `:no_entry: ${reason}` });
    }
  };
}

async function publishRefusal(client: WebClient, userId: string, reason: string, logger: pino.Logger): Promise<void> {
  try {
    await client.views.publish({ user_id: userId, view: homeRefusalView(reason) });
  } catch (err) {
    logger.warn({ err, user: userId }, 'App Home refusal not published');
  }
}
