import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApprovalSealer, canonicalJson, planDigest } from '../../src/domain/remediation/seal';
import type { RemediationPlan } from '../../src/domain/remediation/types';
import { SIGNING_KEY_FILE, approvalSealer } from '../../src/store/signing-key';

const KEY_A = Buffer.from('a'.repeat(40));
const KEY_B = Buffer.from('b'.repeat(40));
const fields = {
  proposalId: '0123456789abcdef',
  findingId: 'f1',
  kind: 'remediate',
  planDigest: 'd'.repeat(64),
  requester: 'U1',
  approver: 'U2',
  approvedAt: 1_700_000_000,
};

const plan: RemediationPlan = {
  playbook: 'restrict-ingress',
  findingId: 'f1',
  accountId: '123456789012',
  region: 'us-east-1',
  ports: [22],
  trustedSources: [{ kind: 'cidr', cidr: '203.0.113.0/24', version: 4 }],
  revoke: [{ groupId: 'sg-0a1b2c3d', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
  authorize: [{ groupId: 'sg-0a1b2c3d', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.0/24' }],
  untouched: [],
};

describe('plan digest', () => {
  it('does not depend on key order or undefined values, and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"z":1}]},"b":1}');
    const { playbook, ...rest } = plan;
    const reordered = JSON.parse(JSON.stringify({ ...rest, instanceId: undefined, playbook })) as RemediationPlan;
    expect(Object.keys(reordered)[0]).not.toBe(Object.keys(plan)[0]);
    expect(planDigest(reordered)).toBe(planDigest(plan));
    expect(planDigest(plan)).toMatch(/^[0-9a-f]{64}$/);
    const wider = { ...plan, authorize: [{ ...plan.authorize[0], cidrIpv4: '203.0.112.0/23' }] } as RemediationPlan;
    expect(planDigest(wider)).not.toBe(planDigest(plan));
  });
});

describe('ApprovalSealer', () => {
  it('verifies its own seal and refuses any change of a field, another key, another purpose or garbage', () => {
    const sealer = new ApprovalSealer(KEY_A);
    const seal = sealer.seal('approval', fields);
    expect(sealer.verify('approval', fields, seal)).toBe(true);
    expect(sealer.verify('approval', { ...fields, approver: 'U1' }, seal)).toBe(false);
    expect(sealer.verify('approval', { ...fields, approvedAt: fields.approvedAt + 1 }, seal)).toBe(false);
    expect(new ApprovalSealer(KEY_B).verify('approval', fields, seal)).toBe(false);
    expect(sealer.verify('proposal', { ...fields, createdAt: 1 }, seal)).toBe(false);
    expect(sealer.verify('approval', fields, undefined)).toBe(false);
    expect(sealer.verify('approval', fields, 'zz')).toBe(false);
  });

  it('rotation: seals made with the previous key still verify; new seals use the current key', () => {
    const old = new ApprovalSealer(KEY_A).seal('approval', fields);
    const rotated = new ApprovalSealer(KEY_B, KEY_A);
    expect(rotated.verify('approval', fields, old)).toBe(true);
    expect(new ApprovalSealer(KEY_A).verify('approval', fields, rotated.seal('approval', fields))).toBe(false);
    expect(new ApprovalSealer(KEY_B).verify('approval', fields, old)).toBe(false);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new ApprovalSealer(Buffer.from('short'))).toThrow(/at least 32 bytes/);
  });
});

describe('the embedded store signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gd-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once with mode 0600 and read back at the next start', () => {
    const first = approvalSealer({ dataDir: dir });
    const path = join(dir, SIGNING_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readFileSync(path, 'utf8');
    expect(key.length).toBeGreaterThanOrEqual(32);
    const seal = first.seal('approval', fields);
    expect(approvalSealer({ dataDir: dir }).verify('approval', fields, seal)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(key);
  });

  it('APPROVAL_SIGNING_KEY wins over the file; the previous key verifies old seals', () => {
    const fromFile = approvalSealer({ dataDir: dir }).seal('approval', fields);
    const fileKey = readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8');
    const configured = approvalSealer({ key: 'k'.repeat(32), previousKey: fileKey, dataDir: dir });
    expect(configured.verify('approval', fields, fromFile)).toBe(true);
    expect(approvalSealer({ key: 'k'.repeat(32), dataDir: dir }).verify('approval', fields, fromFile)).toBe(false);
  });

  it('refuses a key file that others can read, or one too short', () => {
    const path = join(dir, SIGNING_KEY_FILE);
    writeFileSync(path, 'x'.repeat(64), { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => approvalSealer({ dataDir: dir })).toThrow(/readable by others .*chmod 600/);
    writeFileSync(path, 'short', { mode: 0o600 });
    chmodSync(path, 0o600);
    expect(() => approvalSealer({ dataDir: dir })).toThrow(/no usable key/);
  });
});
