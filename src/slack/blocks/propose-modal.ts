import type { KnownBlock, ModalView } from '@slack/types';
import type { Finding } from '../../domain/finding';
import type { PlanPreview } from '../../domain/remediation/exposure';
import { portsText } from '../../domain/remediation/rules';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../../domain/remediation/trusted-source';
import { BLOCK, VIEW } from '../ids';
import { ruleLine } from './rule-lines';
import { LIMITS, bullets, code, context, mrkdwn, plain, section, truncate } from './text';

export type ModalPreview = { kind: 'loading' } | { kind: 'ready'; preview: PlanPreview } | { kind: 'error'; message: string };

export interface ProposeModalInput {
  finding: Finding;
  ports: readonly number[];
  /** TRUSTED_CIDRS */
  suggestions: readonly string[];
  metadata: string;
  preview: ModalPreview;
  limits?: SourceLimits;
}

export function proposeModal(input: ProposeModalInput): ModalView {
  const { finding, ports } = input;
  const limits = input.limits ?? DEFAULT_SOURCE_LIMITS;
  const instanceId = finding.resource.kind === 'instance' ? finding.resource.instanceId : undefined;
  const blocks: KnownBlock[] = [
    section(
      `*${mrkdwn(finding.title, 300)}*\nReplace the rules that open ${portsText(ports)}${instanceId ? ` of instance ${code(instanceId, 40)}` : ''} ` +
        `to the whole internet (0.0.0.0/0, ::/0) with rules for the networks you trust. Nothing changes until someone else approves.`,
    ),
  ];
  const p = input.preview;
  if (p.kind === 'loading') blocks.push(context(':hourglass_flowing_sand: Reading the security groups of the instance…'));
  if (p.kind === 'error') blocks.push(section(`:warning: Could not read the security groups: ${mrkdwn(p.message, 1500)}`));
  if (p.kind === 'ready') {
    const groups = p.preview.groupIds.map((g) => code(g, 40)).join(', ');
    if (p.preview.replaced.length > 0) {
      blocks.push(section(`*World-open now* (replaced by this fix) in ${groups}:\n${bullets(p.preview.replaced.map(ruleLine))}`));
    } else {
      blocks.push(
        section(`:information_source: No rule in ${groups} opens ${portsText(ports)} to the whole internet on its own any more.`),
      );
    }
    if (p.preview.broader.length > 0) {
      blocks.push(
        section(
          `*Also exposes the port, not changed by this fix* (change by hand if needed):\n${bullets(p.preview.broader.map(ruleLine))}`,
        ),
      );
    }
  }
  const suggestions = input.suggestions.filter((s) => s.trim() !== '');
  blocks.push({
    type: 'input',
    block_id: BLOCK.trustedSources,
    label: { type: 'plain_text', text: 'Trusted networks' },
    element: {
      type: 'plain_text_input',
      action_id: BLOCK.trustedSourcesInput,
      placeholder: { type: 'plain_text', text: '203.0.113.0/24, 2001:db8:1234::/48 or sg-0123456789abcdef0' },
      max_length: 1000,
      ...(suggestions.length > 0 ? { initial_value: truncate(suggestions.join(', '), 1000) } : {}),
    },
    hint: {
      type: 'plain_text',
      text: plain(
        `IPv4/IPv6 CIDRs or one security group ID, separated by commas. Nothing broader than /${limits.minPrefixV4} (IPv4) or /${limits.minPrefixV6} (IPv6).`,
        2000,
      ),
    },
  });
  if (suggestions.length > 0) {
    blocks.push(
      context(
        `Suggested (TRUSTED_CIDRS): ${suggestions
          .slice(0, 10)
          .map((s) => code(s, 60))
          .join(', ')}`,
      ),
    );
  }
  return {
    type: 'modal',
    callback_id: VIEW.proposeFix,
    private_metadata: input.metadata.slice(0, LIMITS.privateMetadata),
    title: { type: 'plain_text', text: plain('Propose fix', LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: plain('Propose', LIMITS.modalTitle) },
    close: { type: 'plain_text', text: plain('Cancel', LIMITS.modalTitle) },
    blocks: blocks.slice(0, LIMITS.blocksPerModal),
  };
}
