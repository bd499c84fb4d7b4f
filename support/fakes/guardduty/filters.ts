import { checkCriterion, type WireCondition } from './criteria';
import { badRequest } from './errors';

/*
 * GuardDuty filters (suppression rules when their action is ARCHIVE), as CreateFilter takes them in GuardDuty's
 * JSON form, checked as GuardDuty checks them. The criterion is kept in that wire form (`eq`, `equals`, …).
 */

/** A CreateFilter request in GuardDuty's JSON form (each transport lowers its own shape to it). */
export interface FilterRequest {
  name?: unknown;
  description?: unknown;
  action?: unknown;
  rank?: unknown;
  criterion?: unknown;
  clientToken?: unknown;
  tags?: unknown;
}

export type FilterAction = 'ARCHIVE' | 'NOOP';

export interface StoredFilter {
  name: string;
  description?: string;
  action: FilterAction;
  rank?: number;
  criterion: Record<string, WireCondition>;
  tags?: Record<string, string>;
  clientToken?: string;
  createdAtMs: number;
}

/** GuardDuty's quota: filters per detector (per account and region). */
export const MAX_FILTERS_PER_DETECTOR = 100;

const NAME = /^[A-Za-z0-9._-]{3,64}$/;
/** CreateFilter's documented description alphabet: alphanumerics, - . : _ ( ) { } [ ] /, and whitespace. */
const DESCRIPTION = /^[A-Za-z0-9\-.:_(){}[\]/ \t\v\n\f\r]*$/;
const DESCRIPTION_MAX = 512;

const invalid = (what: string) =>
  badRequest(`The request is rejected because an invalid or out-of-range value is specified as an input parameter: ${what}`);

/**
 * The answer to GetFilter/DeleteFilter naming no filter. terraform-provider-aws (internal/service/guardduty/filter.go)
 * treats a BadRequestException with exactly this message as "the filter is gone", so it is GuardDuty's own.
 */
export const filterNotFound = () => badRequest('The request is rejected since no such resource found.');

export const filterNameTaken = () => badRequest('The request is rejected because a filter with the same name already exists.');

function checkFilterName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw invalid('name must be 3 to 64 characters: letters, digits, period (.), underscore (_) and hyphen (-)');
  return name;
}

/** A CreateFilter request as a filter (without its creation time), or the BadRequestException GuardDuty answers. */
export function checkFilterRequest(req: FilterRequest): Omit<StoredFilter, 'createdAtMs'> {
  const name = checkFilterName(req.name);
  const { description, action = 'NOOP', rank, clientToken, tags } = req;
  if (description !== undefined) {
    if (typeof description !== 'string' || description.length > DESCRIPTION_MAX)
      throw invalid(`description must be a string of at most ${DESCRIPTION_MAX} characters`);
    if (!DESCRIPTION.test(description))
      throw invalid('description has a character outside letters, digits, whitespace and - . : _ ( ) { } [ ] /');
  }
  if (action !== 'ARCHIVE' && action !== 'NOOP') throw invalid('action must be ARCHIVE or NOOP');
  if (rank !== undefined && (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > 100))
    throw invalid('rank must be an integer from 1 to 100');
  if (clientToken !== undefined && typeof clientToken !== 'string') throw invalid('clientToken must be a string');
  if (
    tags !== undefined &&
    (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string'))
  )
    throw invalid('tags must map strings to strings');
  const criterion = checkCriterion(req.criterion, true);
  return {
    name,
    ...(description !== undefined ? { description } : {}),
    action,
    ...(rank !== undefined ? { rank } : {}),
    criterion: structuredClone(criterion),
    ...(tags !== undefined ? { tags: { ...(tags as Record<string, string>) } } : {}),
    ...(clientToken !== undefined ? { clientToken } : {}),
  };
}
