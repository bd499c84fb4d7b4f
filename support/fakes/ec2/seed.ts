import type { Ec2Fixture } from './resources';
import type { Ec2Rule } from './rules';

/** The instance and group of the EC2 finding fixtures. */
export const SEED_GROUP = 'sg-0a1b2c3d4e5f60718';
export const SEED_INSTANCE = 'i-012345678aabbccdd';
export const SEED_ACCOUNT = '123456789012';

/** 22 open to 0.0.0.0/0 and ::/0, 443 open to the world, 22 from 10.0.0.0/8. */
export function seedRules(groupId = SEED_GROUP): Ec2Rule[] {
  return [
    { id: 'sgr-0000000000000a001', groupId, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0', description: 'ssh from anywhere' },
    { id: 'sgr-0000000000000a002', groupId, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
    { id: 'sgr-0000000000000a003', groupId, protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' },
    { id: 'sgr-0000000000000a004', groupId, protocol: 'tcp', from: 22, to: 22, v4: '10.0.0.0/8' },
  ];
}

/** Only the first of {@link seedRules}: one group holding a world-open tcp/22 rule. */
export function sshOpenToWorld(groupId = SEED_GROUP): Ec2Rule[] {
  return seedRules(groupId).slice(0, 1);
}

/** The seed instance with the seed group attached. */
export function seedInstances(): Record<string, string[]> {
  return { [SEED_INSTANCE]: [SEED_GROUP] };
}

/*
 * The instance of an "isolate the instance" playbook: in ISOLATION_VPC, two ENIs (the primary one with the web and
 * SSH groups, the secondary one with the app group), two EBS volumes (root and data), and an Auto Scaling group tag
 * only when asked. A second VPC holds a group of the same name, so a playbook that picks groups by name alone, or
 * puts a group of another VPC on the instance, is caught.
 */
export const ISOLATION_VPC = 'vpc-0a1b2c3d4e5f60001';
export const ISOLATION_SUBNET = 'subnet-0a1b2c3d4e5f60002';
export const ISOLATION_INSTANCE = 'i-0f1e2d3c4b5a69788';
/** Primary ENI (device index 0): ISOLATION_WEB_GROUP and ISOLATION_SSH_GROUP. */
export const ISOLATION_ENI_PRIMARY = 'eni-0a1b2c3d4e5f60011';
/** Secondary ENI (device index 1): ISOLATION_APP_GROUP. */
export const ISOLATION_ENI_SECONDARY = 'eni-0a1b2c3d4e5f60012';
export const ISOLATION_WEB_GROUP = 'sg-0a1b2c3d4e5f60021';
export const ISOLATION_SSH_GROUP = 'sg-0a1b2c3d4e5f60022';
export const ISOLATION_APP_GROUP = 'sg-0a1b2c3d4e5f60023';
/** Root volume on /dev/xvda (8 GiB). */
export const ISOLATION_ROOT_VOLUME = 'vol-0a1b2c3d4e5f60031';
/** Data volume on /dev/sdf (100 GiB). */
export const ISOLATION_DATA_VOLUME = 'vol-0a1b2c3d4e5f60032';
/** The Auto Scaling group named in the `aws:autoscaling:groupName` tag when {@link seedIsolationInstance} is asked for one. */
export const ISOLATION_ASG = 'web-asg';
export const ASG_TAG = 'aws:autoscaling:groupName';
/** Another VPC, with a group named like the web group. */
export const OTHER_VPC = 'vpc-0a1b2c3d4e5f60099';
export const OTHER_VPC_GROUP = 'sg-0a1b2c3d4e5f60098';

export interface IsolationSeedOptions {
  /** Tag the instance `aws:autoscaling:groupName` = this (true: {@link ISOLATION_ASG}); default: no ASG tag. */
  autoScalingGroup?: string | boolean;
  /** Extra tags on the instance (Name is `web-1` unless given). */
  tags?: Record<string, string>;
}

/** The isolation instance, its groups (with ingress rules and EC2's default egress) and the other VPC's group; add it with `model.add(...)`. */
export function seedIsolationInstance(options: IsolationSeedOptions = {}): Ec2Fixture {
  const asg = options.autoScalingGroup === true ? ISOLATION_ASG : options.autoScalingGroup || undefined;
  return {
    groups: [
      {
        id: ISOLATION_WEB_GROUP,
        name: 'web',
        vpcId: ISOLATION_VPC,
        description: 'web servers',
        ingress: [{ id: 'sgr-0000000000000c001', protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' }],
      },
      {
        id: ISOLATION_SSH_GROUP,
        name: 'ssh',
        vpcId: ISOLATION_VPC,
        description: 'ssh from the office',
        ingress: [{ id: 'sgr-0000000000000c002', protocol: 'tcp', from: 22, to: 22, v4: '203.0.113.0/24' }],
      },
      {
        id: ISOLATION_APP_GROUP,
        name: 'app',
        vpcId: ISOLATION_VPC,
        description: 'app tier',
        ingress: [{ id: 'sgr-0000000000000c003', protocol: 'tcp', from: 8080, to: 8080, group: ISOLATION_WEB_GROUP }],
      },
      { id: OTHER_VPC_GROUP, name: 'web', vpcId: OTHER_VPC, description: 'web servers elsewhere' },
    ],
    instances: [
      {
        id: ISOLATION_INSTANCE,
        vpcId: ISOLATION_VPC,
        subnetId: ISOLATION_SUBNET,
        tags: { Name: 'web-1', ...(asg ? { [ASG_TAG]: asg } : {}), ...options.tags },
        networkInterfaces: [
          { id: ISOLATION_ENI_PRIMARY, groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP] },
          { id: ISOLATION_ENI_SECONDARY, groups: [ISOLATION_APP_GROUP] },
        ],
        volumes: [
          { id: ISOLATION_ROOT_VOLUME, device: '/dev/xvda', sizeGiB: 8 },
          { id: ISOLATION_DATA_VOLUME, device: '/dev/sdf', sizeGiB: 100, deleteOnTermination: false },
        ],
      },
    ],
  };
}
