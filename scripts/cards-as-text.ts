/*
 * Prints the channel card of each finding family fixture as text, as the README shows it:
 * `npm run cards:text` (one fenced block per fixture, in the order of support/fixtures/findings).
 * The text is what the blocks carry (mrkdwn as sent, so escaped attacker strings read `&lt;` and the like).
 */
import { fixtureCardText } from '../support/helpers/card-text';
import { fixtureNames } from '../support/helpers/fixtures';

const only = process.argv[2];
for (const name of fixtureNames()) {
  if (only && !name.includes(only)) continue;
  const card = fixtureCardText(name);
  process.stdout.write(`<details><summary>${card.type}</summary>\n\n\`\`\`text\n${card.text}\n\`\`\`\n\n</details>\n\n`);
}
