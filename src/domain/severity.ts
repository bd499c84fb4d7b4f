export const SEVERITY_BANDS = ['low', 'medium', 'high', 'critical'] as const;
export type SeverityBand = (typeof SEVERITY_BANDS)[number];

/** Lowest severity number of each band, as GuardDuty defines them. */
export const BAND_FLOOR: Record<SeverityBand, number> = {
  low: 1,
  medium: 4,
  high: 7,
  critical: 9,
};

export function isSeverityBand(value: string): value is SeverityBand {
  return (SEVERITY_BANDS as readonly string[]).includes(value);
}

export function bandOf(severity: number): SeverityBand {
  if (severity >= BAND_FLOOR.critical) return 'critical';
  if (severity >= BAND_FLOOR.high) return 'high';
  if (severity >= BAND_FLOOR.medium) return 'medium';
  return 'low';
}

export function isAtLeast(severity: number, band: SeverityBand): boolean {
  return severity >= BAND_FLOOR[band];
}
