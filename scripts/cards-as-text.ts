/*
 * Prints the channel card of each finding family fixture as text, as the README shows it:
 * `npm run cards:text` (one fenced block per fixture, in the order of support/fixtures/findings).
 * The text is what the blocks carry (mrkdwn as sent, so escaped attacker strings read `&lt;` and the like).
 */
import type { KnownBlock } from '@slack/types';
import { toFinding } from '../src/aws/finding-mapper';
import { findingCard } from '../src/slack/blocks/finding-card';
import { fixtureNames, loadFixture } from '../support/helpers/fixtures';

function textOf(block: KnownBlock): string[] {
  switch (block.type) {
    case 'header':
      return [`# ${block.text.text}`];
    case 'section': {
      const lines = block.text ? [block.text.text] : [];
      for (const f of block.fields ?? []) lines.push(f.text.replace(/\n/, ': '));
      return lines;
    }
    case 'context':
      return block.elements.map((e) => ('text' in e ? `> ${e.text}` : ''));
    case 'divider':
      return ['---'];
    case 'actions':
      return [`[${block.elements.map((e) => ('text' in e && e.text ? e.text.text : e.type)).join('] [')}]`];
    default:
      return [`(${block.type})`];
  }
}

const only = process.argv[2];
for (const name of fixtureNames()) {
  if (only && !name.includes(only)) continue;
  const finding = toFinding(loadFixture(name));
  const lines = findingCard(finding, { actions: ['propose', 'triage', 'archive', 'feedback'] }).flatMap(textOf);
  process.stdout.write(`${finding.type} (${name})\n\`\`\`text\n${lines.join('\n')}\n\`\`\`\n\n`);
}
