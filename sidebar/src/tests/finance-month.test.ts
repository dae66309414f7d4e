import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { i18n } from '../boards/i18n';
import { who } from '../boards/state';

const summary = vi.fn((month: string) => Promise.reject(new Error(`no data for ${month}`)));
vi.mock('../boards/api', () => ({
  api: { periods: () => Promise.resolve([]), summary, uncleanDays: () => Promise.resolve([]) },
}));
const { default: FinanceView } = await import('../boards/views/FinanceView.vue');

const me = (timezone: string) => ({
  name: '财务',
  role: 'finance',
  level: 'corp' as const,
  guideId: null,
  storeIds: [],
  regionIds: [],
  timezone,
});

describe("the finance console opens on the tenant's last month, not the browser's", () => {
  beforeEach(() => {
    // A browser in UTC at 00:30 on 1 December in Shanghai: UTC still says 30 November.
    vi.stubEnv('TZ', 'UTC');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T16:30:00Z'));
    summary.mockClear();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    who.value = null;
  });

  it('Shanghai tenant: November, the month that just ended', async () => {
    expect(new Date().getUTCDate()).toBe(30);
    who.value = me('Asia/Shanghai');
    const w = mount(FinanceView, { global: { plugins: [i18n] } });
    await flushPromises();
    expect((w.get('[data-test="fin-month"]').element as HTMLInputElement).value).toBe('2026-11');
    expect(summary).toHaveBeenCalledWith('2026-11');
  });

  it('a tenant behind the browser: still October in Los Angeles', async () => {
    who.value = me('America/Los_Angeles');
    vi.setSystemTime(new Date('2026-12-01T07:59:00Z')); // 23:59 on 30 November in Los Angeles
    const w = mount(FinanceView, { global: { plugins: [i18n] } });
    await flushPromises();
    expect((w.get('[data-test="fin-month"]').element as HTMLInputElement).value).toBe('2026-10');
  });

  it('opened before the tenant is known: moves to the tenant’s last month once it is', async () => {
    vi.setSystemTime(new Date('2026-12-01T07:59:00Z'));
    const w = mount(FinanceView, { global: { plugins: [i18n] } });
    await flushPromises();
    expect((w.get('[data-test="fin-month"]').element as HTMLInputElement).value).toBe('2026-11'); // Shanghai
    who.value = me('America/Los_Angeles');
    await flushPromises();
    expect((w.get('[data-test="fin-month"]').element as HTMLInputElement).value).toBe('2026-10');
    expect(summary).toHaveBeenLastCalledWith('2026-10');
  });
});
