import type pino from 'pino';
import type { Config } from '../config';
import type { FindingsSource } from '../domain/ports';

/** What the Slack listeners need; main.ts builds it, tests build it with stand-ins behind the ports. */
export interface SlackDeps {
  config: Config;
  logger: pino.Logger;
  findings: FindingsSource;
}
