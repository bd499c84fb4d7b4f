import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { LoopbackServer, readBody } from '../loopback-server';
import { GuardDutyError, badRequest } from './errors';
import { GuardDutyModel, type FindingsQuery, type GuardDutyOp } from './model';
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
 * Errors are answered the way GuardDuty answers them: 400, `x-amzn-errortype`, `{ message, __type }`.
 * The region of a call is read from the SigV4 credential scope, so one stand-in serves every region.
 */

export interface WireRequest {
  operation: GuardDutyOp;
  region: string;
  detectorId?: string;
  /** The JSON body as sent (wire member names). */
  body: Record<string, unknown>;
  at: number;
}

/** `Credential=AKID/20240101/us-east-1/guardduty/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/guardduty\//.exec(auth)?.[1] ?? 'us-east-1';
}

function route(method: string, path: string): { operation: GuardDutyOp; detectorId?: string } | undefined {
  if (method === 'GET' && path === '/detector') return { operation: 'ListDetectors' };
  const m = /^\/detector\/([^/]+)\/findings(?:\/(get|archive|feedback|statistics))?$/.exec(path);
  if (method !== 'POST' || !m) return undefined;
  const detectorId = decodeURIComponent(m[1] ?? '');
  const operation: GuardDutyOp =
    m[2] === 'get'
      ? 'GetFindings'
      : m[2] === 'archive'
        ? 'ArchiveFindings'
        : m[2] === 'feedback'
          ? 'UpdateFindingsFeedback'
          : m[2] === 'statistics'
            ? 'GetFindingsStatistics'
            : 'ListFindings';
  return { operation, detectorId };
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
      if (found.operation === 'ListDetectors') {
        for (const [k, v] of url.searchParams) body[k] = k === 'maxResults' ? Number(v) : v;
      }
      const region = regionOf(req);
      this.requests.push({ operation: found.operation, region, detectorId: found.detectorId, body, at: Date.now() });
      reply(200, await this.call(found.operation, () => this.answer(found.operation, region, found.detectorId, body)));
    } catch (err) {
      const e =
        err instanceof GuardDutyError
          ? err
          : new GuardDutyError('InternalServerErrorException', err instanceof Error ? err.message : String(err), 500);
      reply(e.status, { message: e.message, __type: e.code }, { 'x-amzn-errortype': e.code });
    }
  }

  private answer(
    operation: GuardDutyOp,
    region: string,
    detectorId: string | undefined,
    body: Record<string, unknown>,
  ): Record<string, unknown> {
    switch (operation) {
      case 'ListDetectors':
        return { detectorIds: this.listDetectors(region) };
      case 'ListFindings': {
        const criteria = body.findingCriteria as Pick<FindingsQuery, 'criterion'> | undefined;
        return this.listFindings(region, detectorId, {
          criterion: criteria?.criterion,
          sortCriteria: body.sortCriteria,
          maxResults: body.maxResults,
          nextToken: body.nextToken,
        });
      }
      case 'GetFindings':
        return { findings: this.getFindings(region, detectorId, body.findingIds, body.sortCriteria).map((f: SdkFinding) => toWire(f)) };
      case 'ArchiveFindings':
        this.archive(region, detectorId, body.findingIds);
        return {};
      case 'UpdateFindingsFeedback':
        this.recordFeedback(region, detectorId, body.findingIds, body.feedback, body.comments);
        return {};
      case 'GetFindingsStatistics': {
        const criteria = body.findingCriteria as Pick<FindingsQuery, 'criterion'> | undefined;
        const stats = this.findingsStatistics(region, detectorId, {
          criterion: criteria?.criterion,
          findingStatisticTypes: body.findingStatisticTypes,
          groupBy: body.groupBy,
          orderBy: body.orderBy,
          maxResults: body.maxResults,
        });
        // Timestamps in GuardDuty's REST-JSON bodies are epoch seconds.
        const seconds = (ms: number) => ms / 1000;
        return {
          findingStatistics: {
            ...(stats.countBySeverity ? { countBySeverity: stats.countBySeverity } : {}),
            ...(stats.groupedByAccount
              ? {
                  groupedByAccount: stats.groupedByAccount.map((g) => ({
                    accountId: g.accountId,
                    lastGeneratedAt: seconds(g.lastGeneratedAtMs),
                    totalFindings: g.totalFindings,
                  })),
                }
              : {}),
            ...(stats.groupedBySeverity
              ? {
                  groupedBySeverity: stats.groupedBySeverity.map((g) => ({
                    severity: g.severity,
                    lastGeneratedAt: seconds(g.lastGeneratedAtMs),
                    totalFindings: g.totalFindings,
                  })),
                }
              : {}),
          },
        };
      }
    }
  }
}
