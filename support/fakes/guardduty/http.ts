import type { IncomingMessage, ServerResponse } from 'node:http';
import { FindingStatistics$, GetFilterResponse$, type Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { LoopbackServer, readBody } from '../loopback-server';
import { GuardDutyError, badRequest } from './errors';
import { GuardDutyModel, type FindingsQuery, type GuardDutyOp } from './model';
import { sdkFilter, sdkStatistics } from './sdk-shapes';
import { toWire } from './wire';

/*
 * The GuardDuty model over HTTP, speaking GuardDuty's REST-JSON wire protocol, for the real AWS SDK v3
 * GuardDutyClient (and so for a real bot process pointed at it with AWS_ENDPOINT_URL_GUARDDUTY=<endpoint>).
 *
 * Routes and member names are the SDK's own (node_modules/@aws-sdk/client-guardduty/dist-cjs/index.js, the
 * operation and structure schemas `ListFindings$`, `ListFindingsRequest$`, `Condition$`, `Finding$`, …):
 *   ListDetectors           GET  /detector                              → { detectorIds, nextToken }
 *   ListFindings            POST /detector/{DetectorId}/findings         { findingCriteria: { criterion }, sortCriteria: { attributeName, orderBy }, maxResults, nextToken } → { findingIds, nextToken }
 *   GetFindings             POST /detector/{DetectorId}/findings/get     { findingIds, sortCriteria } → { findings }
 *   ArchiveFindings         POST /detector/{DetectorId}/findings/archive { findingIds } → {}
 *   UpdateFindingsFeedback  POST /detector/{DetectorId}/findings/feedback { findingIds, feedback, comments } → {}
 *   GetFindingsStatistics   POST /detector/{DetectorId}/findings/statistics { findingCriteria, groupBy, orderBy, maxResults, findingStatisticTypes } → { findingStatistics: { groupedByAccount: [{ accountId, lastGeneratedAt, totalFindings }], … } }
 *   UnarchiveFindings       POST /detector/{DetectorId}/findings/unarchive { findingIds } → {}
 *   CreateFilter            POST /detector/{DetectorId}/filter           { name, description, action, rank, findingCriteria, clientToken, tags } → { name }
 *   ListFilters             GET  /detector/{DetectorId}/filter?maxResults=&nextToken= → { filterNames, nextToken }
 *   GetFilter               GET  /detector/{DetectorId}/filter/{FilterName} → { name, description, action, rank, findingCriteria, tags, createdAt }
 *   DeleteFilter            DELETE /detector/{DetectorId}/filter/{FilterName} → {}
 * Errors are answered the way GuardDuty answers them: 400, `x-amzn-errortype`, `{ message, __type }`.
 * The region of a call is read from the SigV4 credential scope, so one stand-in serves every region.
 */

export interface WireRequest {
  operation: GuardDutyOp;
  region: string;
  detectorId?: string;
  /** GetFilter, DeleteFilter: the name in the path. */
  filterName?: string;
  /** The JSON body as sent (wire member names); for ListDetectors and ListFilters, the query parameters. */
  body: Record<string, unknown>;
  at: number;
}

/** `Credential=AKID/20240101/us-east-1/guardduty/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/guardduty\//.exec(auth)?.[1] ?? 'us-east-1';
}

const FINDINGS_OPERATIONS: Record<string, GuardDutyOp> = {
  '': 'ListFindings',
  get: 'GetFindings',
  archive: 'ArchiveFindings',
  unarchive: 'UnarchiveFindings',
  feedback: 'UpdateFindingsFeedback',
  statistics: 'GetFindingsStatistics',
};

interface Route {
  operation: GuardDutyOp;
  detectorId?: string;
  filterName?: string;
}

function route(method: string, path: string): Route | undefined {
  if (method === 'GET' && path === '/detector') return { operation: 'ListDetectors' };
  const findings = /^\/detector\/([^/]+)\/findings(?:\/([a-z]+))?$/.exec(path);
  if (findings) {
    const operation = FINDINGS_OPERATIONS[findings[2] ?? ''];
    return method === 'POST' && operation ? { operation, detectorId: decodeURIComponent(findings[1] ?? '') } : undefined;
  }
  const filter = /^\/detector\/([^/]+)\/filter(?:\/([^/]+))?$/.exec(path);
  if (!filter) return undefined;
  const detectorId = decodeURIComponent(filter[1] ?? '');
  if (filter[2] === undefined) {
    if (method === 'POST') return { operation: 'CreateFilter', detectorId };
    if (method === 'GET') return { operation: 'ListFilters', detectorId };
    return undefined;
  }
  const filterName = decodeURIComponent(filter[2]);
  if (method === 'GET') return { operation: 'GetFilter', detectorId, filterName };
  if (method === 'DELETE') return { operation: 'DeleteFilter', detectorId, filterName };
  return undefined;
}

/** GuardDuty over HTTP on 127.0.0.1: the model, plus the requests as they came. */
export class GuardDutyHttpStandIn extends GuardDutyModel {
  readonly requests: WireRequest[] = [];
  private readonly server = new LoopbackServer((req, res) => this.handle(req, res));

  get endpoint(): string {
    return this.server.endpoint;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  override resetCalls(): void {
    super.resetCalls();
    this.requests.length = 0;
  }

  requestsTo(operation: GuardDutyOp): WireRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `standin-${this.requests.length}`, ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const found = route(req.method ?? 'GET', url.pathname);
      if (!found) {
        reply(
          404,
          { message: `The stand-in does not implement ${req.method ?? ''} ${url.pathname}` },
          { 'x-amzn-errortype': 'UnknownOperationException' },
        );
        return;
      }
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw badRequest('The request body is not valid JSON');
        }
      }
      if (found.operation === 'ListDetectors' || found.operation === 'ListFilters') {
        for (const [k, v] of url.searchParams) body[k] = k === 'maxResults' ? Number(v) : v;
      }
      const region = regionOf(req);
      this.requests.push({ ...found, region, body, at: Date.now() });
      reply(200, await this.call(found.operation, () => this.answer(found, region, body)));
    } catch (err) {
      const e =
        err instanceof GuardDutyError
          ? err
          : new GuardDutyError('InternalServerErrorException', err instanceof Error ? err.message : String(err), 500);
      reply(e.status, { message: e.message, __type: e.code }, { 'x-amzn-errortype': e.code });
    }
  }

  private answer({ operation, detectorId, filterName }: Route, region: string, body: Record<string, unknown>): Record<string, unknown> {
    const criteria = body.findingCriteria as Pick<FindingsQuery, 'criterion'> | undefined;
    switch (operation) {
      case 'ListDetectors':
        return { detectorIds: this.listDetectors(region) };
      case 'ListFindings':
        return this.listFindings(region, detectorId, {
          criterion: criteria?.criterion,
          sortCriteria: body.sortCriteria,
          maxResults: body.maxResults,
          nextToken: body.nextToken,
        });
      case 'GetFindings':
        return { findings: this.getFindings(region, detectorId, body.findingIds, body.sortCriteria).map((f: SdkFinding) => toWire(f)) };
      case 'ArchiveFindings':
        this.archive(region, detectorId, body.findingIds);
        return {};
      case 'UnarchiveFindings':
        this.unarchive(region, detectorId, body.findingIds);
        return {};
      case 'UpdateFindingsFeedback':
        this.recordFeedback(region, detectorId, body.findingIds, body.feedback, body.comments);
        return {};
      case 'GetFindingsStatistics': {
        const stats = this.findingsStatistics(region, detectorId, {
          criterion: criteria?.criterion,
          findingStatisticTypes: body.findingStatisticTypes,
          groupBy: body.groupBy,
          orderBy: body.orderBy,
          maxResults: body.maxResults,
        });
        return { findingStatistics: toWire(sdkStatistics(stats), FindingStatistics$) };
      }
      case 'CreateFilter':
        return this.createFilter(region, detectorId, {
          name: body.name,
          description: body.description,
          action: body.action,
          rank: body.rank,
          criterion: criteria === undefined || criteria === null ? undefined : criteria.criterion,
          clientToken: body.clientToken,
          tags: body.tags,
        });
      case 'GetFilter':
        return toWire(sdkFilter(this.getFilter(region, detectorId, filterName)), GetFilterResponse$) as Record<string, unknown>;
      case 'DeleteFilter':
        this.deleteFilter(region, detectorId, filterName);
        return {};
      case 'ListFilters':
        return this.listFilters(region, detectorId, { maxResults: body.maxResults, nextToken: body.nextToken });
    }
  }
}
