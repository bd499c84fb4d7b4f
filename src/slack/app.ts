import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute, type Receiver } from '@slack/bolt';
import { boltLogger } from '../logger';
import type { SlackDeps } from './deps';
import { registerActions } from './listeners/actions';
import { registerCommands } from './listeners/commands';
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

function createReceiver(deps: SlackDeps): Receiver {
  const { slack, port } = deps.config;
  const logger = boltLogger(deps.logger);
  if (slack.mode === 'socket' && slack.appToken) {
    return new SocketModeReceiver({
      appToken: slack.appToken,
      logger,
      customRoutes: [healthRoute()],
      installerOptions: { port },
    });
  }
  if (!slack.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
  return new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: EVENTS_PATH,
    port,
    customRoutes: [healthRoute()],
    logger,
    // Slack waits 3 s for an ack; answer a request no listener acked before then rather than hang.
    unhandledRequestTimeoutMillis: 2900,
  });
}

/** The Bolt app with its receiver (Socket Mode or signed HTTP), error handler and every listener. */
export function createApp(deps: SlackDeps): App {
  const app = new App({
    token: deps.config.slack.botToken,
    receiver: createReceiver(deps),
    logger: boltLogger(deps.logger),
    clientOptions: { slackApiUrl: deps.config.slack.apiUrl },
  });
  app.error((error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
    return Promise.resolve();
  });
  registerCommands(app, deps);
  registerActions(app, deps);
  registerRemediation(app, deps);
  return app;
}
