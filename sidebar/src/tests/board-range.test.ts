import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { last7, lastMonth, monthToDate, range, setWho, who } from '../boards/state';

const me = (timezone: string) => ({
  name: '华东区经理',
  role: 'regional_manager',
  level: 'region' as const,
  guideId: null,
  storeIds: [],
  regionIds: [1],
  timezone,
});

describe("the range presets use the tenant's days, not the browser's", () => {
  beforeEach(() => {
    // A browser in UTC (a laptop set to UTC, a CI runner) at 00:30 on 2 December in Shanghai.
    vi.stubEnv('TZ', 'UTC');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T16:30:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    who.value = null;
  });

  it('本月, 上月 and 近7天 end on the tenant’s today', () => {
    expect(new Date().getDate()).toBe(1); // the browser's own zone still says 1 December
    who.value = me('Asia/Shanghai');
    expect(monthToDate()).toEqual({ from: '2026-12-01', to: '2026-12-02' });
    expect(lastMonth()).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(last7()).toEqual({ from: '2026-11-26', to: '2026-12-02' });
  });

  it('follow another tenant zone, behind the browser', () => {
    who.value = me('America/Los_Angeles');
    // 08:30 on 1 December in Los Angeles.
    expect(monthToDate()).toEqual({ from: '2026-12-01', to: '2026-12-01' });
    expect(last7()).toEqual({ from: '2026-11-25', to: '2026-12-01' });
    vi.setSystemTime(new Date('2026-12-01T07:59:00Z'));
    expect(monthToDate()).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(lastMonth()).toEqual({ from: '2026-10-01', to: '2026-10-31' });
  });

  it('use Shanghai until the tenant is known, and the opening range moves to the tenant’s month on sign-in', () => {
    expect(monthToDate()).toEqual({ from: '2026-12-01', to: '2026-12-02' });
    setWho(me('America/Los_Angeles'));
    expect({ ...range }).toEqual({ from: '2026-12-01', to: '2026-12-01' });
  });
});
