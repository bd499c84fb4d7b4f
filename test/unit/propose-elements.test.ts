import { toFinding } from '../../src/aws/finding-mapper';
import { RESTRICT_INGRESS } from '../../src/domain/remediation/playbooks';
import { applicablePlaybooks } from '../../src/domain/remediation/registry';
import { findingCard, playbooksLine, proposeElements } from '../../src/slack/blocks/finding-card';
import { decodePlaybookRef } from '../../src/slack/values';
import { assertValidMessage } from '../../support/helpers/block-kit';
import { loadFixture } from '../../support/helpers/fixtures';

const probe = toFinding(loadFixture('recon-ec2-portprobe-ssh'));
const bucket = toFinding(loadFixture('policy-s3-bucketblockpublicaccessdisabled'));

describe('Propose fix on a card names its playbook', () => {
  test('one playbook: a button whose value is region, finding and playbook', () => {
    const [el] = proposeElements(probe);
    expect(el).toMatchObject({ type: 'button', action_id: 'remediation_propose' });
    expect(decodePlaybookRef((el as { value: string }).value)).toEqual({ region: 'us-east-1', id: probe.id, playbook: RESTRICT_INGRESS });
    const [b] = proposeElements(bucket);
    expect(decodePlaybookRef((b as { value: string }).value)?.playbook).toBe('block-bucket-public-access');
  });

  test('several playbooks: one menu with an option per playbook (one action ID per block)', () => {
    const several = [...applicablePlaybooks(probe), ...applicablePlaybooks(bucket)];
    const elements = proposeElements(probe, several);
    expect(elements).toHaveLength(1);
    const menu = elements[0] as { type: string; action_id: string; options: { text: { text: string }; value: string }[] };
    expect(menu.type).toBe('static_select');
    expect(menu.action_id).toBe('remediation_propose');
    expect(menu.options.map((o) => decodePlaybookRef(o.value)?.playbook)).toEqual([RESTRICT_INGRESS, 'block-bucket-public-access']);
    assertValidMessage([{ type: 'actions', elements }]);
  });

  test('no playbook: nothing to propose, no line about fixes', () => {
    const finding = toFinding(loadFixture('backdoor-lambda-c2activity'));
    expect(proposeElements(finding)).toEqual([]);
    expect(playbooksLine(finding)).toBeUndefined();
  });

  test('the card says which fixes apply, next to the button', () => {
    const text = JSON.stringify(findingCard(bucket, { actions: ['propose'] }));
    expect(text).toContain("Fixes with a second person's approval: Block public access to the bucket");
  });

  test('an old two-part button value still means restrict-ingress; a forged playbook is refused', () => {
    expect(decodePlaybookRef(`us-east-1 ${probe.id}`)).toEqual({ region: 'us-east-1', id: probe.id });
    expect(decodePlaybookRef(`us-east-1 ${probe.id} <!channel>`)).toBeUndefined();
    expect(decodePlaybookRef(`us-east-1 ${probe.id} a b`)).toBeUndefined();
  });
});
