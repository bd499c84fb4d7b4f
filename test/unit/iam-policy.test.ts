import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The IAM policies in infra/ grant exactly the EC2, IAM and S3 actions the code calls (and every GuardDuty and STS
 * action it calls), read from the SDK commands the adapters in src/aws import. A new AWS call without its permission,
 * or a permission nothing uses any more, fails here instead of in someone's account.
 */

const ROOT = join(__dirname, '..', '..');
const SERVICES: Record<string, string> = { ec2: 'ec2', iam: 'iam', s3: 's3', guardduty: 'guardduty', sts: 'sts' };
/** S3's IAM actions are not named like its API operations. */
const S3_ACTIONS: Record<string, string> = {
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `ec2:DescribeInstances`, … for every command or paginator imported from an AWS SDK client in src/aws. */
function actionsCalled(): Set<string> {
  const actions = new Set<string>();
  for (const file of filesUnder(join(ROOT, 'src', 'aws'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9]+)'/g)) {
      const service = SERVICES[m[2] ?? ''];
      if (!service) continue;
      for (const raw of (m[1] ?? '').split(',')) {
        const name = raw.trim();
        if (name.startsWith('type ')) continue;
        const op = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (!op) continue;
        actions.add(service === 's3' ? (S3_ACTIONS[op] ?? `s3:${op}`) : `${service}:${op}`);
      }
    }
  }
  return actions;
}

function policyActions(file: string): Set<string> {
  const doc = JSON.parse(readFileSync(join(ROOT, 'infra', file), 'utf8')) as { Statement: { Action: string | string[] }[] };
  return new Set(doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

const called = actionsCalled();
const remediation = [...called].filter((a) => /^(ec2|iam|s3):/.test(a));

describe('infra/ IAM policies match the AWS calls in src/aws', () => {
  test('the scan finds the calls (a control: the playbooks and the feed)', () => {
    for (const a of [
      'guardduty:ListFindings',
      'guardduty:GetFindings',
      'ec2:AuthorizeSecurityGroupIngress',
      'sts:AssumeRole',
      's3:PutBucketPublicAccessBlock',
    ])
      expect(called).toContain(a);
  });

  test('the bot policy grants every action the code calls', () => {
    const granted = policyActions('iam-policy.json');
    expect([...called].filter((a) => !granted.has(a))).toEqual([]);
  });

  test('the member-account role grants every remediation action, and only those', () => {
    const granted = policyActions('remediation-role-policy.json');
    expect(remediation.filter((a) => !granted.has(a))).toEqual([]);
    expect([...granted].filter((a) => !remediation.includes(a))).toEqual([]);
  });

  test('the bot policy grants no EC2, IAM or S3 action the code does not call', () => {
    const granted = [...policyActions('iam-policy.json')].filter((a) => /^(ec2|iam|s3):/.test(a));
    expect(granted.filter((a) => !called.has(a))).toEqual([]);
  });

  test('the CloudFormation policy names every action of the bot policy', () => {
    const template = readFileSync(join(ROOT, 'infra', 'cloudformation.yml'), 'utf8');
    const named = new Set([...template.matchAll(/\b((?:ec2|iam|s3|guardduty|sts|dynamodb):[A-Za-z]+)\b/g)].map((m) => m[1]));
    expect([...policyActions('iam-policy.json')].filter((a) => !named.has(a))).toEqual([]);
    expect([...named].filter((a) => !policyActions('iam-policy.json').has(a as string))).toEqual([]);
  });
});
