import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { useSession } from '../stores/session';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * Formats an instant in a zone (dayjs patterns), whatever the device's own zone. A calendar date
 * ('YYYY-MM-DD', such as a birthday) belongs to no zone and is formatted as it is.
 */
export function formatIn(iso: string, pattern: string, zone: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return dayjs(iso).format(pattern);
  return dayjs(iso).tz(zone).format(pattern);
}

/** Dates and times in the tenant's zone (from bootstrap; Asia/Shanghai until it has loaded). */
export function useTenantTime(): (iso: string | null | undefined, pattern: string) => string {
  const session = useSession();
  return (iso, pattern) => (iso ? formatIn(iso, pattern, session.boot?.timeZone ?? 'Asia/Shanghai') : '');
}
