/** The findings bench:feed generates, the same in the stand-ins' process and in the benchmark's. */
export const FEED_BENCH = {
  findings: Number(process.env.BENCH_FINDINGS ?? 5000),
  recurrences: Number(process.env.BENCH_RECURRENCES ?? 500),
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  /** Share of findings per band; the rest are low and go to the digest. */
  mix: { critical: 0.01, high: 0.02, medium: 0.03 },
};

const FIXTURES = [
  'recon-ec2-portprobe-ssh',
  'unauthorizedaccess-ec2-sshbruteforce',
  'backdoor-ec2-ccactivity-dns',
  'unauthorizedaccess-iamuser-credential-exfiltration',
  'policy-s3-bucketblockpublicaccessdisabled',
];

/** `base`: epoch ms of the first finding's UpdatedAt (the parent picks it and hands it to the stand-ins). */
export function benchFinding(
  i: number,
  base = Number(process.env.BENCH_BASE),
): { id: string; severity: number; region: string; updatedAt: string; fixture: string } {
  const r = ((i * 7919) % 10_000) / 10_000;
  const { critical, high, medium } = FEED_BENCH.mix;
  const severity = r < critical ? 9.5 : r < critical + high ? 8 : r < critical + high + medium ? 5 : 2;
  return {
    id: `b${String(i).padStart(31, '0')}`,
    severity,
    region: FEED_BENCH.regions[i % FEED_BENCH.regions.length] ?? 'us-east-1',
    updatedAt: new Date(base + i * 1000).toISOString(),
    fixture: FIXTURES[i % FIXTURES.length] ?? 'recon-ec2-portprobe-ssh',
  };
}
