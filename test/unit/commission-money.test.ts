import { describe, expect, it } from 'vitest';
import { commissionFen } from '../../core/commission/money';
import { rateBp, tierBonusBp } from '../../core/commission/plans';

describe('commission per line: round(base × bp / 10000), halves away from zero', () => {
  it.each([
    [12_345, 100, 123], // 123.45 → 123
    [12_350, 100, 124], // 123.5 → 124 (half)
    [12_349, 100, 123], // 123.49 → 123
    [-12_350, 100, -124], // a refund of the same sale claws back exactly what it earned
    [-12_345, 100, -123],
    [-12_349, 100, -123],
    [50, 100, 1], // 0.5 → 1
    [-50, 100, -1],
    [49, 100, 0],
    [-49, 100, 0],
    [1, 5_000, 1], // 0.5
    [0, 300, 0],
    [9_007_199_254, 10_000, 9_007_199_254],
  ])('%i fen at %i bp → %i fen', (base, bp, want) => {
    expect(commissionFen(base, bp)).toBe(want);
    expect(commissionFen(-base, bp)).toBe(want === 0 ? 0 : -want);
  });

  it('refuses fractions', () => {
    expect(() => commissionFen(1.5, 100)).toThrow(RangeError);
  });
});

describe('tiers (阶梯提成) at their edges', () => {
  const plan = {
    rates: { transfer: 300, coupon: 200, interaction: 100, mall: 150 },
    tiers: [
      { fromFen: 0, bonusBp: 0 },
      { fromFen: 1_000_000, bonusBp: 50 },
      { fromFen: 3_000_000, bonusBp: 120 },
    ],
  };
  it.each([
    [999_999, 0],
    [1_000_000, 50],
    [1_000_001, 50],
    [2_999_999, 50],
    [3_000_000, 120],
    [-5, 0],
  ])('monthly sales %i fen → +%i bp', (sales, bonus) => {
    expect(tierBonusBp(plan.tiers, sales)).toBe(bonus);
    expect(rateBp(plan, 'coupon', 'pos', sales)).toBe(200 + bonus);
  });
  it('mall orders take the mall rate in place of the rule rate', () => {
    expect(rateBp(plan, 'interaction', 'mall', 0)).toBe(150);
    expect(rateBp({ ...plan, rates: { transfer: 300, coupon: 200, interaction: 100 } }, 'interaction', 'mall', 0)).toBe(
      100,
    );
  });
});
