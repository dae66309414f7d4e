/**
 * Tags the system derives rather than a guide or WeCom setting them: the value tier from the
 * last 180 days' spend and the life stage from the baby's birth date. Pure, so the sidebar
 * profile and the nightly tagging agree.
 */
import dayjs from 'dayjs';

export const VALUE_TIERS = { top: '超级VIP', grow: '重点培养', reactivate: '重点促活' } as const;
/** Thresholds on net spend over 180 days, in fen. */
export const TIER_THRESHOLDS_FEN = { top: 300_000, grow: 80_000 } as const;

export function valueTier(spend180Fen: number): string {
  if (spend180Fen >= TIER_THRESHOLDS_FEN.top) return VALUE_TIERS.top;
  if (spend180Fen >= TIER_THRESHOLDS_FEN.grow) return VALUE_TIERS.grow;
  return VALUE_TIERS.reactivate;
}

/** Whole months from birth to `today` (both 'YYYY-MM-DD'); negative before birth. */
export function ageInMonths(birth: string, today: string): number {
  return dayjs(today).diff(dayjs(birth), 'month');
}

export function babyStage(babyBirthday: string | null, today: string): string | null {
  if (!babyBirthday) return null;
  const m = ageInMonths(babyBirthday, today);
  if (dayjs(babyBirthday).isAfter(dayjs(today))) return '孕期';
  if (m < 6) return '宝宝0-6个月';
  if (m < 12) return '宝宝6-12个月';
  if (m < 24) return '宝宝1-2岁';
  if (m < 36) return '宝宝2-3岁';
  return null;
}

/** Days until the next birthday (0 = today), ignoring the year of birth; Feb 29 counts as Feb 28 in other years. */
export function daysToBirthday(birthday: string | null, today: string): number | null {
  if (!birthday) return null;
  const t = dayjs(today);
  const [, mm, dd] = birthday.split('-').map(Number) as [number, number, number];
  const on = (year: number) => {
    const first = dayjs(`${year}-${String(mm).padStart(2, '0')}-01`);
    return first.date(Math.min(dd, first.daysInMonth()));
  };
  let next = on(t.year());
  if (next.isBefore(t, 'day')) next = on(t.year() + 1);
  return next.diff(t, 'day');
}
