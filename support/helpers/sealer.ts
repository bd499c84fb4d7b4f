import { ApprovalSealer } from '../../src/domain/remediation/seal';

/** The key the test bots hold; a test that forges seals uses another one. */
export const TEST_SIGNING_KEY = 'test-approval-signing-key-0123456789abcdef';

export function testSealer(key: string = TEST_SIGNING_KEY): ApprovalSealer {
  return new ApprovalSealer(Buffer.from(key, 'utf8'));
}
