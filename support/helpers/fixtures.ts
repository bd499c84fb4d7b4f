import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';

const DIR = join(__dirname, '..', 'fixtures', 'findings');

export function fixtureNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
}

/** A raw GetFindings finding (PascalCase, as the SDK returns it). A fresh copy each call. */
export function loadFixture(name: string): SdkFinding {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as SdkFinding;
}

export function allFixtures(): SdkFinding[] {
  return fixtureNames().map(loadFixture);
}

/** A copy of a fixture with another ID, severity, region, timestamps or count. */
export function variant(
  name: string,
  patch: {
    id?: string;
    severity?: number;
    region?: string;
    updatedAt?: string;
    count?: number;
    archived?: boolean;
    accountId?: string;
    title?: string;
  },
): SdkFinding {
  const f = loadFixture(name);
  if (patch.id) f.Id = patch.id;
  if (patch.severity !== undefined) f.Severity = patch.severity;
  if (patch.region) f.Region = patch.region;
  if (patch.updatedAt) f.UpdatedAt = patch.updatedAt;
  if (patch.accountId) f.AccountId = patch.accountId;
  if (patch.title) f.Title = patch.title;
  f.Service = { ...f.Service };
  if (patch.count !== undefined) f.Service.Count = patch.count;
  if (patch.archived !== undefined) f.Service.Archived = patch.archived;
  if (patch.updatedAt) f.Service.EventLastSeen = patch.updatedAt;
  return f;
}
