import { describe, expect, it } from 'vitest';
import { normalizePhone, yuanToFen } from '../../core/ingest/money';
import { validateRows } from '../../core/ingest/pos';
import { signPosBody, verifyPosSignature } from '../../core/ingest/signature';

describe('money in fen', () => {
  it('parses yuan strings exactly', () => {
    expect(yuanToFen('12.3')).toBe(1230);
    expect(yuanToFen('0.07')).toBe(7);
    expect(yuanToFen('1,234.50')).toBe(123_450);
    expect(yuanToFen('599')).toBe(59_900);
    expect(yuanToFen('19.99')).toBe(1999);
  });
  it('rejects what is not an amount', () => {
    for (const bad of ['12.345', '-1', '1e3', '', 'abc', '12.']) expect(yuanToFen(bad)).toBeNull();
  });
});

describe('phones', () => {
  it('normalises mainland mobiles', () => {
    expect(normalizePhone('+86 138-0013-8000')).toBe('13800138000');
    expect(normalizePhone('008613800138000')).toBe('13800138000');
    expect(normalizePhone('12345')).toBeNull();
    expect(normalizePhone('23800138000')).toBeNull();
  });
});

describe('POS signature', () => {
  const secret = 'pos-secret';
  it('accepts a good signature and rejects a tampered body, another key or a stale time', () => {
    const body = '{"batchId":"b1"}';
    const h = signPosBody(secret, body, 1_000_000);
    expect(() => verifyPosSignature(secret, h, body, 1_000_010)).not.toThrow();
    expect(() => verifyPosSignature(secret, h, body + ' ', 1_000_010)).toThrow(/does not match/);
    expect(() => verifyPosSignature('other', h, body, 1_000_010)).toThrow(/does not match/);
    expect(() => verifyPosSignature(secret, h, body, 1_000_000 + 301)).toThrow(/stale/);
    expect(() => verifyPosSignature(secret, undefined, body)).toThrow(/missing/);
  });
});

describe('row validation', () => {
  const ok = {
    orderNo: 'A1',
    storeCode: 'S1',
    paidAt: '2026-11-20T14:00:00+08:00',
    grossFen: 10_000,
    discountFen: 1000,
    netFen: 9000,
    lines: [{ skuCode: 'K1', qty: 1, netFen: 9000 }],
  };
  it('keeps good rows and reports each bad one with its row, field and reason', () => {
    const { good, rejected } = validateRows(
      [
        ok,
        { ...ok, orderNo: 'A2', netFen: 9500, lines: [{ skuCode: 'K1', qty: 1, netFen: 9500 }] },
        { ...ok, orderNo: 'A3', paidAt: '昨天' },
        { ...ok, orderNo: 'A4', phone: '123' },
      ],
      [{ refundNo: 'R1', orderNo: 'A1', refundedAt: '2026-11-21T10:00:00+08:00', amountFen: 0 }],
      { orders: [2, 3, 4, 5], refunds: [9] },
    );
    expect(good.orders.map((o) => o.orderNo)).toEqual(['A1']);
    expect(rejected).toEqual([
      expect.objectContaining({
        kind: 'order',
        row: 3,
        ref: 'A2',
        field: 'netFen',
        message: 'must equal grossFen − discountFen',
      }),
      expect.objectContaining({ kind: 'order', row: 4, ref: 'A3', field: 'paidAt' }),
      expect.objectContaining({ kind: 'order', row: 5, ref: 'A4', field: 'phone' }),
      expect.objectContaining({ kind: 'refund', row: 9, ref: 'R1', field: 'amountFen', message: 'must be positive' }),
    ]);
  });
});
