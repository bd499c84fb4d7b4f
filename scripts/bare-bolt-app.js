// The floor for bench:ack: a Bolt app with the same HTTP receiver and signature checks that only acks.
const { App, HTTPReceiver, LogLevel } = require('@slack/bolt');

const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command('/guardduty', async ({ ack }) => ack());
app.action(/.*/, async ({ ack }) => ack());
app.start(Number(process.env.PORT)).then(() => console.log('bare app listening'));
process.once('SIGTERM', () => app.stop().then(() => process.exit(0)));
