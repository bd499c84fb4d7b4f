import type { KnownBlock, ModalView } from '@slack/types';
import type { Finding } from '../../domain/finding';
import type { StepPlaybook } from '../../domain/remediation/containment/playbook';
import type { StepPlan } from '../../domain/remediation/steps';
import { VIEW } from '../ids';
import { stepPlanBlocks } from './step-plan';
import { LIMITS, context, mrkdwn, plain, section } from './text';

export type ContainmentPreview =
  | { kind: 'loading' }
  | { kind: 'ready'; plan: StepPlan }
  /** The playbook cannot make a plan (nothing to change, a root key, …): said plainly, nothing to submit. */
  | { kind: 'refused'; message: string }
  | { kind: 'error'; message: string };

export interface ContainmentModalInput {
  finding: Finding;
  playbook: Pick<StepPlaybook, 'title' | 'permissionCheck'>;
  targetLabel: string;
  metadata: string;
  preview: ContainmentPreview;
}

/** A containment playbook's propose modal: the live preview of what would change; Propose only once there is a plan. */
export function containmentModal(input: ContainmentModalInput): ModalView {
  const { finding, playbook, preview } = input;
  const blocks: KnownBlock[] = [
    section(
      `*${mrkdwn(playbook.title, 150)}*: ${mrkdwn(input.targetLabel, 200)}\n${mrkdwn(finding.title, 300)}\n` +
        "Nothing changes until a second person approves the proposal in the finding's thread.",
    ),
  ];
  if (preview.kind === 'loading') blocks.push(context(':hourglass_flowing_sand: Reading what exists now (read-only calls)…'));
  if (preview.kind === 'error') blocks.push(section(`:warning: Could not read it: ${mrkdwn(preview.message, 1500)}`));
  if (preview.kind === 'refused') blocks.push(section(`:information_source: ${mrkdwn(preview.message, 1500)}`));
  if (preview.kind === 'ready') blocks.push(...stepPlanBlocks(preview.plan));
  return {
    type: 'modal',
    callback_id: VIEW.proposeContainment,
    private_metadata: input.metadata.slice(0, LIMITS.privateMetadata),
    title: { type: 'plain_text', text: plain('Propose fix', LIMITS.modalTitle) },
    ...(preview.kind === 'ready' ? { submit: { type: 'plain_text' as const, text: plain('Propose', LIMITS.modalTitle) } } : {}),
    close: { type: 'plain_text', text: plain(preview.kind === 'ready' ? 'Cancel' : 'Close', LIMITS.modalTitle) },
    blocks: blocks.slice(0, LIMITS.blocksPerModal),
  };
}
