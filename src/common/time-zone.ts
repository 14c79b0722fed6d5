import { Temporal } from 'temporal-polyfill';

const TIME_ZONE_MAX_LENGTH = 64;

/** True when `zone` is an IANA time-zone name this runtime knows (offsets like +02:00 are not). */
export function isValidTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > TIME_ZONE_MAX_LENGTH)
    return false;
  // Offsets such as "+05:00" parse as zones too, but a named zone is required so DST rules apply.
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    Temporal.ZonedDateTime.from({ timeZone: zone, year: 2000, month: 1, day: 1 });
    return true;
  } catch {
    return false;
  }
}

const ISO_DURATION_MAX_LENGTH = 40;

/** True for a non-negative ISO 8601 duration (`PT1H`, `P1D`, `P1W`, `PT0S`). */
export function isIsoDuration(value: string): boolean {
  if (value.length > ISO_DURATION_MAX_LENGTH || !value.startsWith('P')) return false;
  try {
    return Temporal.Duration.from(value).sign >= 0;
  } catch {
    return false;
  }
}
