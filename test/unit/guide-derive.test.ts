import { describe, expect, it } from 'vitest';
import { fillVariables, formOfAddress, unfilled } from '../../core/contracts/script-vars';
import { babyStage, daysToBirthday, valueTier } from '../../core/guide/derive';

describe('derived tags', () => {
  it('puts spend into value tiers at the thresholds', () => {
    expect(valueTier(300_000)).toBe('超级VIP');
    expect(valueTier(299_999)).toBe('重点培养');
    expect(valueTier(80_000)).toBe('重点培养');
    expect(valueTier(79_999)).toBe('重点促活');
    expect(valueTier(0)).toBe('重点促活');
  });

  it('maps a baby birth date to a life stage', () => {
    const today = '2026-11-24';
    expect(babyStage('2027-02-01', today)).toBe('孕期');
    expect(babyStage('2026-11-24', today)).toBe('宝宝0-6个月');
    expect(babyStage('2026-05-25', today)).toBe('宝宝0-6个月');
    expect(babyStage('2026-05-24', today)).toBe('宝宝6-12个月');
    expect(babyStage('2025-11-24', today)).toBe('宝宝1-2岁');
    expect(babyStage('2024-11-24', today)).toBe('宝宝2-3岁');
    expect(babyStage('2023-11-24', today)).toBeNull();
    expect(babyStage(null, today)).toBeNull();
  });

  it('counts days to the next birthday across the year end and on 29 February', () => {
    expect(daysToBirthday('1990-11-28', '2026-11-24')).toBe(4);
    expect(daysToBirthday('1990-11-24', '2026-11-24')).toBe(0);
    expect(daysToBirthday('1990-01-02', '2026-12-30')).toBe(3);
    expect(daysToBirthday('1992-02-29', '2026-02-20')).toBe(8);
    expect(daysToBirthday(null, '2026-11-24')).toBeNull();
  });
});

describe('script variables', () => {
  it('fills known variables and reports the missing ones, leaving them visible', () => {
    const r = fillVariables('{{称呼}}，{{商品}}有您的{{尺码}}码，{{ 导购 }}', {
      称呼: '王女士',
      尺码: '37',
      导购: '李翠',
      商品: null,
    });
    expect(r.text).toBe('王女士，{{商品}}有您的37码，李翠');
    expect(r.missing).toEqual(['商品']);
    expect(unfilled(r.text)).toEqual(['商品']);
  });

  it('addresses a customer by the guide’s remark, else by surname and gender', () => {
    expect(formOfAddress('王雅琴', 2, null)).toBe('王女士');
    expect(formOfAddress('张伟', 1, '')).toBe('张先生');
    expect(formOfAddress('Lee', 0, null)).toBe('Lee');
    expect(formOfAddress('王雅琴', 2, '琴姐')).toBe('琴姐');
  });
});
