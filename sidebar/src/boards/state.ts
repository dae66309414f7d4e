import { reactive, ref } from 'vue';
import type { Me, Range } from './api';

const day = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export function monthToDate(): Range {
  const now = new Date();
  return { from: day(new Date(now.getFullYear(), now.getMonth(), 1)), to: day(now) };
}
export function lastMonth(): Range {
  const now = new Date();
  return {
    from: day(new Date(now.getFullYear(), now.getMonth() - 1, 1)),
    to: day(new Date(now.getFullYear(), now.getMonth(), 0)),
  };
}
export function last7(): Range {
  const now = new Date();
  return { from: day(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6)), to: day(now) };
}

/** The board's date range (tenant days), shared by every page, kept in the URL's ?from&to when given. */
const q = new URLSearchParams(location.search);
export const range = reactive<Range>(
  q.get('from') && q.get('to') ? { from: q.get('from')!, to: q.get('to')! } : monthToDate(),
);
/** Moves when the credit ledger changes (polled), so open boards reload without a page reload. */
export const tick = ref(0);
export const who = ref<Me | null>(null);

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
