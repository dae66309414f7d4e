import { reactive, ref } from 'vue';
import type { Me, Range } from './api';

/** The tenant's zone once `/me` answered; Shanghai (the default tenant zone) until then. */
const tenantZone = () => who.value?.timezone ?? 'Asia/Shanghai';

/** Today in the tenant's zone as [year, month (1–12), day] — not the browser's zone. */
function today(): [number, number, number] {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: tenantZone() }).format(new Date()).split('-');
  return [Number(y), Number(m), Number(d)];
}
/** A calendar day (month may over- or underflow, day 0 is the previous month's last) as YYYY-MM-DD. */
const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

export function monthToDate(): Range {
  const [y, m, d] = today();
  return { from: day(y, m, 1), to: day(y, m, d) };
}
export function lastMonth(): Range {
  const [y, m] = today();
  return { from: day(y, m - 1, 1), to: day(y, m, 0) };
}
export function last7(): Range {
  const [y, m, d] = today();
  return { from: day(y, m, d - 6), to: day(y, m, d) };
}

/** The board's date range (tenant days), shared by every page, kept in the URL's ?from&to when given. */
const q = new URLSearchParams(location.search);
export const who = ref<Me | null>(null);
const fromUrl = Boolean(q.get('from') && q.get('to'));
export const range = reactive<Range>(fromUrl ? { from: q.get('from')!, to: q.get('to')! } : monthToDate());
/** Moves when the credit ledger changes (polled), so open boards reload without a page reload. */
export const tick = ref(0);

/** Signed in: the tenant is known; a range the URL did not give is this month in the tenant's zone. */
export function setWho(m: Me | null): void {
  who.value = m;
  if (m && !fromUrl) Object.assign(range, monthToDate());
}

/** A moment as the tenant reads it (its time zone, not the browser's): YYYY/MM/DD HH:mm. */
export const tenantTime = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', {
    hour12: false,
    timeZone: who.value?.timezone ?? 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
