import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { Ec2Error } from './errors';
import { Ec2Model, type Ec2Input, type Ec2ModelOptions, type Ec2Op, type Ec2Output } from './model';

/** The rule IDs this transport has always given new rules: `sgr-fake0000000000001`, …. */
export function fakeRuleId(n: number): string {
  return `sgr-fake${String(n).padStart(13, '0')}`;
}

export interface FakeEc2Options extends Ec2ModelOptions {
  /** An existing stub of EC2Client to answer through (default: a new `mockClient(EC2Client)`). */
  mock?: AwsClientStub<EC2Client>;
}

/**
 * The EC2 model behind aws-sdk-client-mock: the real EC2Client and Ec2Remediator run, only `send` is replaced,
 * so the SDK's serializer and retries do not (support/fakes/ec2/http.ts has those).
 */
export class FakeEc2 extends Ec2Model {
  readonly mock: AwsClientStub<EC2Client>;

  constructor(options: FakeEc2Options = {}) {
    super({ ruleId: fakeRuleId, ...options });
    this.mock = options.mock ?? mockClient(EC2Client);
    this.mock
      .on(AuthorizeSecurityGroupIngressCommand)
      .callsFake((input: Ec2Input<'AuthorizeSecurityGroupIngress'>) => this.send('AuthorizeSecurityGroupIngress', input));
    this.mock
      .on(RevokeSecurityGroupIngressCommand)
      .callsFake((input: Ec2Input<'RevokeSecurityGroupIngress'>) => this.send('RevokeSecurityGroupIngress', input));
    this.mock
      .on(DescribeSecurityGroupRulesCommand)
      .callsFake((input: Ec2Input<'DescribeSecurityGroupRules'>) => this.send('DescribeSecurityGroupRules', input));
    this.mock.on(DescribeInstancesCommand).callsFake((input: Ec2Input<'DescribeInstances'>) => this.send('DescribeInstances', input));
    this.mock
      .on(DescribeNetworkInterfacesCommand)
      .callsFake((input: Ec2Input<'DescribeNetworkInterfaces'>) => this.send('DescribeNetworkInterfaces', input));
    this.mock
      .on(ModifyNetworkInterfaceAttributeCommand)
      .callsFake((input: Ec2Input<'ModifyNetworkInterfaceAttribute'>) => this.send('ModifyNetworkInterfaceAttribute', input));
    this.mock.on(CreateSecurityGroupCommand).callsFake((input: Ec2Input<'CreateSecurityGroup'>) => this.send('CreateSecurityGroup', input));
    this.mock
      .on(DescribeSecurityGroupsCommand)
      .callsFake((input: Ec2Input<'DescribeSecurityGroups'>) => this.send('DescribeSecurityGroups', input));
    this.mock
      .on(RevokeSecurityGroupEgressCommand)
      .callsFake((input: Ec2Input<'RevokeSecurityGroupEgress'>) => this.send('RevokeSecurityGroupEgress', input));
    this.mock.on(CreateSnapshotCommand).callsFake((input: Ec2Input<'CreateSnapshot'>) => this.send('CreateSnapshot', input));
    this.mock.on(DescribeSnapshotsCommand).callsFake((input: Ec2Input<'DescribeSnapshots'>) => this.send('DescribeSnapshots', input));
    this.mock.on(DescribeVolumesCommand).callsFake((input: Ec2Input<'DescribeVolumes'>) => this.send('DescribeVolumes', input));
    this.mock.on(CreateTagsCommand).callsFake((input: Ec2Input<'CreateTags'>) => this.send('CreateTags', input));
  }

  restore(): void {
    this.mock.restore();
  }

  private async send<O extends Ec2Op>(op: O, input: Ec2Input<O>): Promise<Ec2Output<O>> {
    try {
      return await this.call(op, input);
    } catch (err) {
      throw err instanceof Ec2Error ? ec2Exception(err) : err;
    }
  }
}

/** The exception the SDK's deserializer would throw for this answer. */
export function ec2Exception(e: Ec2Error): EC2ServiceException {
  return new EC2ServiceException({
    name: e.code,
    $fault: e.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: e.status },
    message: e.message,
  });
}
