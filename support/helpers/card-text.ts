import type { KnownBlock } from '@slack/types';
import { toFinding } from '../../src/aws/finding-mapper';
import { findingCard } from '../../src/slack/blocks/finding-card';
import { loadFixture } from './fixtures';

/** A card's blocks as the text they carry (mrkdwn as sent), one line per text, fields as `label: value`. */
export function blockText(block: KnownBlock): string[] {
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

/** A fixture's channel card (with its buttons) as text, as the README shows it. */
export function fixtureCardText(name: string): { type: string; text: string } {
  const finding = toFinding(loadFixture(name));
  const lines = findingCard(finding, { actions: ['propose', 'triage', 'archive', 'feedback'] }).flatMap(blockText);
  return { type: finding.type, text: lines.join('\n') };
}
