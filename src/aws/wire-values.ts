/** Readers for values in GuardDuty's answers, which may be missing, null or of another type than documented. */

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The present elements of a list (wire JSON may hold nulls, or a non-list, where the SDK types say a list). */
export function items<T>(value: readonly T[] | null | undefined): NonNullable<T>[] {
  return Array.isArray(value) ? value.filter((x): x is NonNullable<T> => x !== null && x !== undefined) : [];
}

export function port(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : undefined;
}
