import {
  ArchiveFindingsCommand,
  CreateFilterCommand,
  DeleteFilterCommand,
  GetFilterCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  GuardDutyServiceException,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListFindingsCommand,
  UnarchiveFindingsCommand,
  UpdateFindingsFeedbackCommand,
  type ArchiveFindingsCommandInput,
  type CreateFilterCommandInput,
  type DeleteFilterCommandInput,
  type FindingCriteria,
  type GetFilterCommandInput,
  type GetFindingsCommandInput,
  type GetFindingsStatisticsCommandInput,
  type ListFiltersCommandInput,
  type ListFindingsCommandInput,
  type SortCriteria,
  type UnarchiveFindingsCommandInput,
  type UpdateFindingsFeedbackCommandInput,
} from '@aws-sdk/client-guardduty';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { WireCondition } from './criteria';
import { GuardDutyError } from './errors';
import { GuardDutyModel, type GuardDutyOp } from './model';
import { sdkFilter, sdkStatistics, wireCondition } from './sdk-shapes';

function wireCriterion(criteria: FindingCriteria | undefined): Record<string, WireCondition> | undefined {
  return criteria?.Criterion && Object.fromEntries(Object.entries(criteria.Criterion).map(([name, c]) => [name, wireCondition(c)]));
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
        const page = this.listFindings(region, input.DetectorId, {
          criterion: wireCriterion(input.FindingCriteria),
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
        const stats = this.findingsStatistics(region, input.DetectorId, {
          criterion: wireCriterion(input.FindingCriteria),
          findingStatisticTypes: input.FindingStatisticTypes,
          groupBy: input.GroupBy,
          orderBy: input.OrderBy,
          maxResults: input.MaxResults,
        });
        return { FindingStatistics: sdkStatistics(stats) };
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
    this.mock.on(UnarchiveFindingsCommand).callsFake((input: UnarchiveFindingsCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'UnarchiveFindings', (region) => {
        this.unarchive(region, input.DetectorId, input.FindingIds);
        return {};
      }),
    );
    this.mock.on(CreateFilterCommand).callsFake((input: CreateFilterCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'CreateFilter', (region) => {
        const created = this.createFilter(region, input.DetectorId, {
          name: input.Name,
          description: input.Description,
          action: input.Action,
          rank: input.Rank,
          criterion: wireCriterion(input.FindingCriteria),
          clientToken: input.ClientToken,
          tags: input.Tags,
        });
        return { Name: created.name };
      }),
    );
    this.mock
      .on(GetFilterCommand)
      .callsFake((input: GetFilterCommandInput, getClient: () => GuardDutyClient) =>
        this.send(getClient, 'GetFilter', (region) => sdkFilter(this.getFilter(region, input.DetectorId, input.FilterName))),
      );
    this.mock.on(DeleteFilterCommand).callsFake((input: DeleteFilterCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'DeleteFilter', (region) => {
        this.deleteFilter(region, input.DetectorId, input.FilterName);
        return {};
      }),
    );
    this.mock.on(ListFiltersCommand).callsFake((input: ListFiltersCommandInput, getClient: () => GuardDutyClient) =>
      this.send(getClient, 'ListFilters', (region) => {
        const page = this.listFilters(region, input.DetectorId, { maxResults: input.MaxResults, nextToken: input.NextToken });
        return { FilterNames: page.filterNames, NextToken: page.nextToken };
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
