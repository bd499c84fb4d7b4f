import {
  ArchiveFindingsCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  GuardDutyServiceException,
  ListDetectorsCommand,
  ListFindingsCommand,
  UpdateFindingsFeedbackCommand,
  type ArchiveFindingsCommandInput,
  type Condition,
  type GetFindingsCommandInput,
  type GetFindingsStatisticsCommandInput,
  type ListFindingsCommandInput,
  type SortCriteria,
  type UpdateFindingsFeedbackCommandInput,
} from '@aws-sdk/client-guardduty';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { WireCondition } from './criteria';
import { GuardDutyError } from './errors';
import { GuardDutyModel, type GuardDutyOp } from './model';

/** An SDK Condition (`Equals`, `GreaterThanOrEqual`, …) in the JSON form the model matches (`equals`, …). */
function wireCondition(c: Condition): WireCondition {
  return Object.fromEntries(
    Object.entries(c)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]),
  );
}

function wireSort(s: SortCriteria | undefined): unknown {
  return s && { attributeName: s.AttributeName, orderBy: s.OrderBy };
}

/**
 * The GuardDuty model behind aws-sdk-client-mock: the real SDK client and our adapter run, only the network hop
 * is replaced. The region of a call is the calling client's.
 */
export class FakeGuardDuty extends GuardDutyModel {
  readonly mock: AwsClientStub<GuardDutyClient>;

  constructor() {
    super();
    this.mock = mockClient(GuardDutyClient);
    this.mock
      .on(ListDetectorsCommand)
      .callsFake((_input: unknown, getClient: () => GuardDutyClient) =>
        this.send(getClient, 'ListDetectors', (region) => ({ DetectorIds: this.listDetectors(region) })),
      );
    this.mock.on(ListFindingsCommand).callsFake((input: ListFindingsCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'ListFindings', (region) => {
        const criterion = Object.fromEntries(
          Object.entries(input.FindingCriteria?.Criterion ?? {}).map(([name, c]) => [name, wireCondition(c)]),
        );
        const page = this.listFindings(region, input.DetectorId, {
          criterion,
          sortCriteria: wireSort(input.SortCriteria),
          maxResults: input.MaxResults,
          nextToken: input.NextToken,
        });
        return { FindingIds: page.findingIds, NextToken: page.nextToken };
      }),
    );
    this.mock.on(GetFindingsCommand).callsFake((input: GetFindingsCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'GetFindings', (region) => ({
        Findings: this.getFindings(region, input.DetectorId, input.FindingIds, wireSort(input.SortCriteria)).map((f) => structuredClone(f)),
      })),
    );
    this.mock.on(GetFindingsStatisticsCommand).callsFake((input: GetFindingsStatisticsCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'GetFindingsStatistics', (region) => {
        const criterion = Object.fromEntries(
          Object.entries(input.FindingCriteria?.Criterion ?? {}).map(([name, c]) => [name, wireCondition(c)]),
        );
        const stats = this.findingsStatistics(region, input.DetectorId, {
          criterion,
          findingStatisticTypes: input.FindingStatisticTypes,
          groupBy: input.GroupBy,
          orderBy: input.OrderBy,
          maxResults: input.MaxResults,
        });
        return {
          FindingStatistics: {
            ...(stats.countBySeverity ? { CountBySeverity: stats.countBySeverity } : {}),
            ...(stats.groupedByAccount
              ? {
                  GroupedByAccount: stats.groupedByAccount.map((g) => ({
                    AccountId: g.accountId,
                    LastGeneratedAt: new Date(g.lastGeneratedAtMs),
                    TotalFindings: g.totalFindings,
                  })),
                }
              : {}),
            ...(stats.groupedBySeverity
              ? {
                  GroupedBySeverity: stats.groupedBySeverity.map((g) => ({
                    Severity: g.severity,
                    LastGeneratedAt: new Date(g.lastGeneratedAtMs),
                    TotalFindings: g.totalFindings,
                  })),
                }
              : {}),
          },
        };
      }),
    );
    this.mock.on(ArchiveFindingsCommand).callsFake((input: ArchiveFindingsCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'ArchiveFindings', (region) => {
        this.archive(region, input.DetectorId, input.FindingIds);
        return {};
      }),
    );
    this.mock.on(UpdateFindingsFeedbackCommand).callsFake((input: UpdateFindingsFeedbackCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'UpdateFindingsFeedback', (region) => {
        this.recordFeedback(region, input.DetectorId, input.FindingIds, input.Feedback, input.Comments);
        return {};
      }),
    );
  }

  restore(): void {
    this.mock.restore();
  }

  private async send<T>(getClient: () => GuardDutyClient, op: GuardDutyOp, answer: (region: string) => T): Promise<T> {
    // getClient() names the last caller: read it before any await.
    const region = getClient().config.region();
    try {
      return await this.call(op, async () => answer(await region));
    } catch (err) {
      if (!(err instanceof GuardDutyError)) throw err;
      throw new GuardDutyServiceException({
        name: err.code,
        $fault: err.status >= 500 ? 'server' : 'client',
        $metadata: { httpStatusCode: err.status },
        message: err.message,
      });
    }
  }
}
