import { ChatOpsError } from './errors';

/**
 * The bot reads only the regions it was configured with (GUARDDUTY_REGIONS, else AWS_REGION). A region
 * named by a person, a button value or a modal is checked against them before anything is created for it:
 * each region costs an SDK client and a cached detector ID, so an open set would grow without bound.
 */
export class RegionNotConfiguredError extends ChatOpsError {
  constructor(
    readonly region: string,
    readonly configured: readonly string[],
  ) {
    super(
      'REGION_NOT_CONFIGURED',
      `The bot is not configured for region ${shownRegion(region)}; it reads ${regionList(configured)} (GUARDDUTY_REGIONS).`,
    );
  }
}

/** The configured regions for a message: `us-east-1, eu-west-1`. */
export function regionList(regions: readonly string[]): string {
  return regions.length > 0 ? regions.join(', ') : 'no region';
}

function shownRegion(region: string): string {
  return region.length > 40 ? `${region.slice(0, 40)}…` : region;
}

export function isConfiguredRegion(regions: readonly string[], region: string): boolean {
  return regions.includes(region);
}

/** Throws a RegionNotConfiguredError unless `region` is one of `regions` (exactly: configured regions are lower case). */
export function assertConfiguredRegion(regions: readonly string[], region: string): void {
  if (!isConfiguredRegion(regions, region)) throw new RegionNotConfiguredError(region, regions);
}
