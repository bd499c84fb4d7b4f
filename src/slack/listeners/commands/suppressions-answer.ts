import type { KnownBlock } from '@slack/types';
import { noticeBlocks } from '../../blocks/help';
import { suppressionsMessage } from '../../blocks/suppressions';
import type { SlackDeps } from '../../deps';

/** `/guardduty suppressions`: the rules made through the bot, each compared with GuardDuty now. */
export async function suppressionsAnswer(deps: SlackDeps): Promise<{ text: string; blocks: KnownBlock[] }> {
  const found = await deps.remediation?.service.suppressionRules(deps.config.aws.regions);
  if (!found) {
    const text =
      ':information_source: Suppression rules are made through the two-person remediation, which is not set up here: it needs FINDINGS_CHANNEL, a state store (DYNAMODB_TABLE, or the embedded store in DATA_DIR) and AWS access.';
    return { text, blocks: noticeBlocks(text) };
  }
  return suppressionsMessage(found);
}
