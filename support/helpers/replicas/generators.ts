/** Generated findings (mixed severities over the regions, every n-th one a port probe) and the EC2 groups they probe. */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { BAND_FLOOR } from '../../../src/domain/severity';
import type { Ec2Rule as FakeRule } from '../../fakes/ec2/rules';
import type { FakeEc2 } from '../../fakes/ec2/sdk-mock';
import { variant } from '../fixtures';
import { MIN_BAND, REPLICA_REGIONS, TRUSTED_SOURCE } from './world';

const TRUSTED_DESCRIPTION = 'guardduty-chatops: replaces world-open 22';

export interface Probe {
  findingId: string;
  region: string;
  instanceId: string;
  groupId: string;
  /** The world-open rule IDs of its group (22 from 0.0.0.0/0 and ::/0). */
  worldRuleIds: string[];
}

export interface FindingSet {
  /** Oldest first (ascending UpdatedAt). */
  findings: SdkFinding[];
  probes: Probe[];
  /** Finding IDs at or above the posting threshold (must get exactly one card each). */
  wanted: Set<string>;
  /** Finding IDs below it (must get none). */
  below: Set<string>;
}

const OTHER_FIXTURES = [
  'unauthorizedaccess-ec2-sshbruteforce',
  'backdoor-ec2-ccactivity-dns',
  'unauthorizedaccess-iamuser-credential-exfiltration',
  'policy-s3-bucketblockpublicaccessdisabled',
  'cryptocurrency-ec2-bitcointool',
  'attacksequence-iam-compromisedcredentials',
];
/** Includes both sides of the medium floor (3.9 and 4.0). */
const SEVERITIES = [2, 8.5, 3.9, 5, 4, 7, 1, 9.5, 6.2, 3];
const PROBE_SEVERITIES = [5, 7.5, 4, 8.8];

export const findingId = (i: number) => `rep${String(i).padStart(29, '0')}`;
const hex17 = (n: number) => n.toString(16).padStart(17, '0');

/**
 * `total` findings over the last 20 hours, spread over `regions`, mixed severities; every
 * (total / probes)-th one a Recon:EC2/PortProbeUnprotectedPort on port 22 of its own instance with its own group.
 */
export function makeFindings(total: number, probeCount: number, regions = REPLICA_REGIONS, minBand = MIN_BAND): FindingSet {
  const now = Date.now();
  const span = 20 * 3_600_000;
  const step = Math.floor(total / probeCount);
  const out: FindingSet = { findings: [], probes: [], wanted: new Set(), below: new Set() };
  for (let i = 0; i < total; i++) {
    const id = findingId(i);
    // Shifted every 10 so that every-10th probes land in every region too.
    const region = regions[(i + Math.floor(i / 10)) % regions.length] ?? 'us-east-1';
    const updatedAt = new Date(now - span + Math.floor((span * i) / total)).toISOString();
    const isProbe = i % step === 0 && out.probes.length < probeCount;
    let f: SdkFinding;
    if (isProbe) {
      const n = out.probes.length;
      const severity = PROBE_SEVERITIES[n % PROBE_SEVERITIES.length] ?? 5;
      const instanceId = `i-${hex17(0xa000 + n)}`;
      const groupId = `sg-${hex17(0x5000 + n)}`;
      f = variant('recon-ec2-portprobe-ssh', {
        id,
        region,
        severity,
        updatedAt,
        title: `Unprotected port on EC2 instance ${instanceId} is being probed.`,
      });
      const details = f.Resource?.InstanceDetails;
      const eni = details?.NetworkInterfaces?.[0];
      if (!details || !eni) throw new Error('fixture recon-ec2-portprobe-ssh has no instance details');
      details.InstanceId = instanceId;
      eni.SecurityGroups = [{ GroupId: groupId, GroupName: `replica-web-${n}` }];
      out.probes.push({
        findingId: id,
        region,
        instanceId,
        groupId,
        worldRuleIds: [`sgr-${hex17(0x100000 + n * 4)}`, `sgr-${hex17(0x100000 + n * 4 + 1)}`],
      });
    } else {
      const severity = SEVERITIES[i % SEVERITIES.length] ?? 5;
      f = variant(OTHER_FIXTURES[i % OTHER_FIXTURES.length] ?? 'backdoor-ec2-ccactivity-dns', { id, region, severity, updatedAt });
    }
    (f.Severity !== undefined && f.Severity >= BAND_FLOOR[minBand] ? out.wanted : out.below).add(id);
    out.findings.push(f);
  }
  return out;
}

/** The findings in arrival order: `rounds` chunks for the concurrent polls, then the newest `leaseShare` for the lease round. */
export function splitForRounds(
  findings: readonly SdkFinding[],
  rounds: number,
  leaseShare = 0.1,
): { rounds: SdkFinding[][]; lease: SdkFinding[] } {
  const leaseCount = Math.max(1, Math.floor(findings.length * leaseShare));
  const early = findings.slice(0, findings.length - leaseCount);
  const size = Math.ceil(early.length / rounds);
  const chunks: SdkFinding[][] = [];
  for (let i = 0; i < early.length; i += size) chunks.push(early.slice(i, i + size));
  return { rounds: chunks, lease: findings.slice(findings.length - leaseCount) };
}

/** Each probe's group: 22 open to 0.0.0.0/0 and ::/0 (to be replaced), 443 world-open and 22 from 10/8 (kept). */
export function seedProbeGroups(ec2: FakeEc2, probes: readonly Probe[]): void {
  const rules: FakeRule[] = [];
  const instances: Record<string, string[]> = {};
  probes.forEach((p, n) => {
    const [v4, v6] = p.worldRuleIds;
    rules.push(
      { id: v4 ?? '', groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0', description: 'ssh from anywhere' },
      { id: v6 ?? '', groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
      { id: `sgr-${hex17(0x100000 + n * 4 + 2)}`, groupId: p.groupId, protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' },
      { id: `sgr-${hex17(0x100000 + n * 4 + 3)}`, groupId: p.groupId, protocol: 'tcp', from: 22, to: 22, v4: '10.0.0.0/8' },
    );
    instances[p.instanceId] = [p.groupId];
  });
  ec2.seed(rules, instances);
}

export const ORIGINAL_GROUP_STATE = [
  'tcp 22-22 0.0.0.0/0 (ssh from anywhere)',
  'tcp 22-22 10.0.0.0/8',
  'tcp 22-22 ::/0',
  'tcp 443-443 0.0.0.0/0',
];
export const FIXED_GROUP_STATE = ['tcp 22-22 10.0.0.0/8', `tcp 22-22 ${TRUSTED_SOURCE} (${TRUSTED_DESCRIPTION})`, 'tcp 443-443 0.0.0.0/0'];
