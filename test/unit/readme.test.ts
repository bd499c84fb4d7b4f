import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCardText } from '../../support/helpers/card-text';
import { fixtureNames } from '../../support/helpers/fixtures';

const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const POLICY = JSON.parse(readFileSync(join(__dirname, '../../infra/iam-policy.json'), 'utf8')) as {
  Statement: { Action: string | string[] }[];
};

describe('README', () => {
  it.each(fixtureNames())('shows the card of fixture %s exactly as the bot renders it', (name) => {
    const card = fixtureCardText(name);
    expect(README).toContain(`<summary>${card.type}</summary>\n\n\`\`\`text\n${card.text}\n\`\`\``);
  });

  it('names every GuardDuty action the bot policy grants, and no other', () => {
    const granted = POLICY.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) =>
      a.startsWith('guardduty:'),
    );
    const named = new Set([...README.matchAll(/`(guardduty:[A-Za-z]+)`/g)].map((m) => m[1]));
    expect([...named].sort()).toEqual([...new Set(granted)].sort());
  });
});
