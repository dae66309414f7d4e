/**
 * Occasions a script can be recommended for, counted in whole calendar days in the tenant's time
 * zone (a purchase at 23:30 on the 1st in Shanghai was on the 1st, whatever the server's zone).
 * Pure: the caller passes instants and the zone, and the rule table below is walked by
 * test/unit/guide-occasions.test.ts.
 *
 * | occasion               | from                           | fires when                          | value      |
 * |------------------------|--------------------------------|-------------------------------------|------------|
 * | birthday               | her own birthday (month-day)   | 0–7 days ahead                      | days ahead |
 * | baby_birthday          | her baby's birth date          | baby born, 0–7 days ahead           | days ahead |
 * | purchase_anniversary   | her first purchase day         | ≥ 1 year ago, 0–7 days ahead        | days ahead |
 * | new_customer           | the day the guide added her    | ≤ 7 days ago                        | days ago   |
 * | recent_purchase        | her last purchase day          | ≤ 14 days ago                       | days ago   |
 * | lapsed                 | her last purchase day          | ≥ 90 days ago, or never bought      | days ago ('' = never) |
 */
import dayjs from 'dayjs';

export const OCCASION_WINDOWS = { ahead: 7, newCustomer: 7, recentPurchase: 14, lapsed: 90 } as const;

export type OccasionCode =
  'birthday' | 'baby_birthday' | 'purchase_anniversary' | 'new_customer' | 'recent_purchase' | 'lapsed';
export interface Occasion {
  code: OccasionCode;
  /** Days ahead (dates) or days ago (visits); '' for a customer who never bought. */
  value: string;
}

const dayFormat = new Map<string, Intl.DateTimeFormat>();
/** The calendar day ('YYYY-MM-DD') of an instant in a time zone. */
export function localDay(instant: string | Date, timeZone: string): string {
  let f = dayFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormat.set(timeZone, f);
  }
  return f.format(typeof instant === 'string' ? new Date(instant) : instant);
}

/** Whole calendar days from one day to another ('YYYY-MM-DD'). */
export function daysBetween(from: string, to: string): number {
  return dayjs(to.slice(0, 10)).diff(dayjs(from.slice(0, 10)), 'day');
}

/** Days until the next yearly return of a date (0 = today); 29 February counts as 28 February in other years. */
export function daysToAnniversary(date: string | null, today: string): number | null {
  if (!date) return null;
  const t = dayjs(today);
  const [, mm, dd] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const on = (year: number) => {
    const first = dayjs(`${year}-${String(mm).padStart(2, '0')}-01`);
    return first.date(Math.min(dd, first.daysInMonth()));
  };
  let next = on(t.year());
  if (next.isBefore(t, 'day')) next = on(t.year() + 1);
  return next.diff(t, 'day');
}

export interface OccasionInput {
  /** Today in the tenant's zone, 'YYYY-MM-DD'. */
  today: string;
  /** Calendar dates as stored ('YYYY-MM-DD'), not instants. */
  birthday: string | null;
  babyBirthday: string | null;
  /** Instants, turned into days in `timeZone`. */
  addedAt: string;
  firstPaidAt: string | null;
  lastPaidAt: string | null;
  timeZone: string;
}

export function occasionsFor(c: OccasionInput): Occasion[] {
  const out: Occasion[] = [];
  const ahead = (d: number | null) => d !== null && d <= OCCASION_WINDOWS.ahead;
  const toBirthday = daysToAnniversary(c.birthday, c.today);
  if (ahead(toBirthday)) out.push({ code: 'birthday', value: String(toBirthday) });
  if (c.babyBirthday && c.babyBirthday.slice(0, 10) <= c.today) {
    const toBaby = daysToAnniversary(c.babyBirthday, c.today);
    if (ahead(toBaby)) out.push({ code: 'baby_birthday', value: String(toBaby) });
  }
  if (c.firstPaidAt) {
    const first = localDay(c.firstPaidAt, c.timeZone);
    const toAnniversary = daysToAnniversary(first, c.today);
    if (daysBetween(first, c.today) + (toAnniversary ?? 0) >= 365 && ahead(toAnniversary))
      out.push({ code: 'purchase_anniversary', value: String(toAnniversary) });
  }
  const sinceAdded = daysBetween(localDay(c.addedAt, c.timeZone), c.today);
  if (sinceAdded <= OCCASION_WINDOWS.newCustomer) out.push({ code: 'new_customer', value: String(sinceAdded) });
  const sincePaid = c.lastPaidAt ? daysBetween(localDay(c.lastPaidAt, c.timeZone), c.today) : null;
  if (sincePaid !== null && sincePaid <= OCCASION_WINDOWS.recentPurchase)
    out.push({ code: 'recent_purchase', value: String(sincePaid) });
  if (sincePaid === null || sincePaid >= OCCASION_WINDOWS.lapsed)
    out.push({ code: 'lapsed', value: sincePaid === null ? '' : String(sincePaid) });
  return out;
}
