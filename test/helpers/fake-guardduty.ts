import {
  ArchiveFindingsCommand,
  GetFindingsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFindingsCommand,
  UpdateFindingsFeedbackCommand,
  type Condition,
  type Finding as SdkFinding,
  type ListFindingsCommandInput,
} from '@aws-sdk/client-guardduty';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { findingAttribute, matchesCondition, type WireCondition } from './guardduty-http-stand-in';

type Fault = { name: string; message?: string; times?: number } | undefined;

function fail(fault: NonNullable<Fault>): never {
  const err = new Error(fault.message ?? fault.name);
  err.name = fault.name;
  (err as unknown as { $metadata: object }).$metadata = { httpStatusCode: 400 };
  throw err;
}

/** An SDK Condition (`Equals`, `GreaterThanOrEqual`, …) in the wire form the HTTP stand-in matches (`equals`, …). */
function wireCondition(c: Condition): WireCondition {
  return Object.fromEntries(
    Object.entries(c)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]),
  );
}

/**
 * GuardDuty answered from memory through aws-sdk-client-mock: the real SDK client and our adapter run,
 * only the network hop is replaced. Interprets FindingCriteria, SortCriteria, MaxResults and NextToken.
 */
export class FakeGuardDuty {
  readonly mock: AwsClientStub<GuardDutyClient>;
  /** Findings per region. */
  readonly regions = new Map<string, Map<string, SdkFinding>>();
  readonly calls = { ListDetectors: 0, ListFindings: 0, GetFindings: 0, ArchiveFindings: 0, UpdateFindingsFeedback: 0 };
  readonly archived: string[][] = [];
  readonly feedback: { ids: string[]; feedback: string }[] = [];
  fault: Record<string, Fault> = {};
  /** Milliseconds each call waits before answering. (Callbacks read getClient() before any await: it names the last caller.) */
  latencyMs = 0;

  constructor() {
    this.mock = mockClient(GuardDutyClient);
    this.mock.on(ListDetectorsCommand).callsFake(async () => {
      this.calls.ListDetectors++;
      await this.delay('ListDetectors');
      return { DetectorIds: ['detector0123456789'] };
    });
    this.mock.on(ListFindingsCommand).callsFake(async (input: ListFindingsCommandInput, getClient: () => GuardDutyClient) => {
      const region = getClient().config.region();
      this.calls.ListFindings++;
      await this.delay('ListFindings');
      return this.listFindings(input, await region);
    });
    this.mock.on(GetFindingsCommand).callsFake(async (input: { FindingIds: string[] }, getClient: () => GuardDutyClient) => {
      const regionName = getClient().config.region();
      this.calls.GetFindings++;
      await this.delay('GetFindings');
      if (input.FindingIds.length > 50) fail({ name: 'BadRequestException', message: 'at most 50 IDs' });
      const region = this.regions.get(await regionName);
      return { Findings: input.FindingIds.flatMap((id) => (region?.get(id) ? [structuredClone(region.get(id) as SdkFinding)] : [])) };
    });
    this.mock.on(ArchiveFindingsCommand).callsFake(async (input: { FindingIds: string[] }, getClient: () => GuardDutyClient) => {
      const regionName = getClient().config.region();
      this.calls.ArchiveFindings++;
      await this.delay('ArchiveFindings');
      const region = this.regions.get(await regionName);
      for (const id of input.FindingIds) {
        const f = region?.get(id);
        if (f) f.Service = { ...f.Service, Archived: true };
      }
      this.archived.push(input.FindingIds);
      return {};
    });
    this.mock.on(UpdateFindingsFeedbackCommand).callsFake(async (input: { FindingIds: string[]; Feedback: string }) => {
      this.calls.UpdateFindingsFeedback++;
      await this.delay('UpdateFindingsFeedback');
      this.feedback.push({ ids: input.FindingIds, feedback: input.Feedback });
      return {};
    });
  }

  private async delay(op: string): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.fault[op];
    if (fault) {
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) delete this.fault[op];
      }
      fail(fault);
    }
  }

  put(...findings: SdkFinding[]): this {
    for (const f of findings) {
      const region = f.Region ?? 'us-east-1';
      let map = this.regions.get(region);
      if (!map) this.regions.set(region, (map = new Map()));
      map.set(f.Id ?? '', structuredClone(f));
    }
    return this;
  }

  get(region: string, id: string): SdkFinding | undefined {
    return this.regions.get(region)?.get(id);
  }

  resetCalls(): void {
    for (const k of Object.keys(this.calls) as (keyof typeof this.calls)[]) this.calls[k] = 0;
  }

  restore(): void {
    this.mock.restore();
  }

  private listFindings(input: ListFindingsCommandInput, region: string) {
    const criterion = input.FindingCriteria?.Criterion ?? {};
    let rows = [...(this.regions.get(region)?.values() ?? [])].filter((f) =>
      Object.entries(criterion).every(([name, cond]) => matchesCondition(findingAttribute(f, name), wireCondition(cond))),
    );
    const sort = input.SortCriteria;
    if (sort?.AttributeName) {
      const dir = sort.OrderBy === 'DESC' ? -1 : 1;
      const key = sort.AttributeName;
      rows = rows.sort((a, b) => {
        const x = findingAttribute(a, key) ?? '';
        const y = findingAttribute(b, key) ?? '';
        return (x < y ? -1 : x > y ? 1 : (a.Id ?? '').localeCompare(b.Id ?? '')) * dir;
      });
    }
    const max = input.MaxResults ?? 50;
    if (max > 50) fail({ name: 'BadRequestException', message: 'MaxResults must be at most 50' });
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = rows.slice(start, start + max);
    const next = start + max < rows.length ? String(start + max) : undefined;
    return { FindingIds: page.map((f) => f.Id ?? ''), NextToken: next };
  }
}
