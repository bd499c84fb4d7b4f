import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { App, SocketModeReceiver, type CustomRoute, type Receiver } from '@slack/bolt';
import { boltLogger, redactValues } from '../logger';
import { SlackApproverPolicy } from './approver-policy';
import { AccessPolicy } from './access-policy';
import { applyServerLimits, httpLimits, LimitedHttpReceiver, type HttpLimits } from './http-limits';
import { accessControl } from './middleware/access-control';
import { undiciFetch } from './undici-fetch';
import { WorkQueue } from './work-queue';
import type { SlackDeps } from './deps';
import { registerActionRouter } from './listeners/action-router';
import { UserRateLimit, limitSideEffects } from './user-rate-limit';
import { findingActionRoutes } from './listeners/actions';
import { registerCommands } from './listeners/commands';
import { registerEvents } from './listeners/events';
import { registerRemediation } from './listeners/remediation';

export const EVENTS_PATH = '/slack/events';

function healthRoute(): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
  };
}

export interface AppOptions {
  /** Overrides of the HTTP server's limits (tests shorten the timeouts); see HTTP_LIMITS. */
  httpLimits?: Partial<HttpLimits>;
}

function createReceiver(deps: SlackDeps, limits: HttpLimits): Receiver {
  const { slack, port } = deps.config;
  const logger = boltLogger(deps.logger);
  if (slack.mode === 'socket' && slack.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      logger,
      customRoutes: [healthRoute()],
      // SLACK_API_URL for apps.connections.open too (the Socket Mode client's own WebClient).
      installerOptions: { port, clientOptions: { slackApiUrl: slack.apiUrl } },
    });
    // The /healthz server reads no bodies, but gets the same timeouts and connection cap (set before it listens).
    const healthServer: unknown = (receiver as unknown as { httpServer?: unknown }).httpServer;
    if (healthServer instanceof Server) applyServerLimits(healthServer as Server, limits);
    return receiver;
  }
  if (!slack.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
  return new LimitedHttpReceiver(
    {
      signingSecret: slack.signingSecret,
      endpoints: EVENTS_PATH,
      port,
      customRoutes: [healthRoute()],
      logger,
      // Slack waits 3 s for an ack; answer a request no listener acked before then rather than hang.
      unhandledRequestTimeoutMillis: 2900,
    },
    limits,
    deps.logger.child({ component: 'http' }),
  );
}

function accessPolicy(app: App, deps: SlackDeps): AccessPolicy {
  const { access, approval } = deps.config;
  const approvers =
    deps.remediation?.approvers ??
    new SlackApproverPolicy({ userIds: approval.userIds, usergroupId: approval.usergroupId, client: app.client });
  const restricted = access.userIds.length > 0 || access.usergroupId !== undefined;
  return new AccessPolicy({
    channelIds: access.channelIds,
    allowedUsers: restricted
      ? new SlackApproverPolicy({ userIds: access.userIds, usergroupId: access.usergroupId, client: app.client })
      : undefined,
    approvers,
  });
}

/** SLACK_TEAM_ID, else the bot token's own workspace (auth.test, asked once). Fails closed: no answer, no team. */
function homeTeam(app: App, deps: SlackDeps): () => Promise<string | undefined> {
  const configured = deps.config.slack.teamId;
  let team: Promise<string> | undefined;
  return async () => {
    if (configured) return configured;
    team ??= app.client.auth.test().then((r) => {
      if (!r.team_id) throw new Error('auth.test returned no team_id');
      return r.team_id;
    });
    try {
      return await team;
    } catch (err) {
      team = undefined;
      deps.logger.warn({ err }, 'could not learn the workspace from auth.test');
      return 'unknown-workspace';
    }
  };
}

/** The Bolt app with its receiver (Socket Mode or signed HTTP), error handler and every listener. */
export function createApp(given: SlackDeps, options: AppOptions = {}): App {
  const deps: SlackDeps = { ...given, work: given.work ?? new WorkQueue() };
  // Scrubbed from every log line from here on, whatever key or text they turn up in.
  redactValues(
    deps.config.slack.botToken,
    deps.config.slack.appToken,
    deps.config.slack.signingSecret,
    deps.config.approval.signingKey,
    deps.config.approval.previousSigningKey,
  );
  const app = new App({
    token: deps.config.slack.botToken,
    receiver: createReceiver(deps, httpLimits(options.httpLimits)),
    logger: boltLogger(deps.logger),
    clientOptions: { slackApiUrl: deps.config.slack.apiUrl, fetch: undiciFetch() },
    // No listener reads conversation state; skipping Bolt's store saves work on every request.
    convoStore: false,
  });
  app.error((error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
    return Promise.resolve();
  });
  app.use(accessControl(accessPolicy(app, deps), homeTeam(app, deps), deps.logger.child({ component: 'access' })));
  registerCommands(app, deps);
  registerEvents(app, deps);
  const remediationRoutes = registerRemediation(app, deps);
  const routes = limitSideEffects(new Map([...findingActionRoutes(deps), ...remediationRoutes]), deps.actionLimit ?? new UserRateLimit());
  registerActionRouter(app, routes, deps.logger.child({ component: 'actions' }));
  return app;
}
