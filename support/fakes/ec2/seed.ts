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
