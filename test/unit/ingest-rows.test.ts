import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { contentHash, outsideWindow, printable, text, timeWindow } from '../../core/ingest/rows';
import { decodeCsv } from '../../core/ingest/sheet';

describe('text fields', () => {
  const codeOf = (s: string) => {
    const r = text(64).safeParse(s);
    if (r.success) return null;
    const issue = r.error.issues[0]!;
    return issue.code === 'custom' ? (issue.params as { code: string }).code : issue.code;
  };
  it('refuse control characters, lone surrogates and formulas; keep pairs and CJK', () => {
    expect(codeOf('A1\u0000')).toBe('control_character');
    expect(codeOf('A1\u007f')).toBe('control_character');
    expect(codeOf('\ud83d')).toBe('invalid_unicode');
    expect(codeOf('x\ude00')).toBe('invalid_unicode');
    expect(codeOf('=SUM(A1)')).toBe('formula');
    expect(codeOf('+86')).toBe('formula');
    expect(codeOf('订单-😀-1')).toBeNull();
    expect(codeOf('-A1')).toBeNull();
  });
});

describe('printable', () => {
  it('replaces what jsonb refuses and cuts by code point, never inside a pair', () => {
    expect(printable('a\u0000b\ud800c')).toBe('a\ufffdb\ufffdc');
    const cut = printable('😀'.repeat(100), 3);
    expect(cut).toBe('😀😀😀…');
    expect(() => JSON.parse(JSON.stringify(cut))).not.toThrow();
  });
});

describe('content hash', () => {
  it('ignores key order and undefined keys, not values', () => {
    expect(contentHash({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(contentHash({ b: [{ y: 2, x: 1 }], a: 1, c: undefined }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });
});

describe('time window', () => {
  it('runs from INGEST_OLDEST_DAYS back to INGEST_NEWEST_DAYS ahead', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const w = timeWindow({ INGEST_OLDEST_DAYS: 730, INGEST_NEWEST_DAYS: 1 }, now);
    expect(outsideWindow('2026-12-01T23:59:59Z', w)).toBeNull();
    expect(outsideWindow('2024-12-02T00:00:00Z', w)).toBeNull();
    expect(outsideWindow('2026-12-02T00:00:01Z', w)).toMatch(/INGEST_NEWEST_DAYS/);
    expect(outsideWindow('2024-11-30T00:00:00Z', w)).toMatch(/INGEST_OLDEST_DAYS/);
  });
});

describe('CSV decoding', () => {
  const s = '订单号,SKU\nA1,红色-37\n';
  it('reads UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030 by detection or declaration', () => {
    expect(decodeCsv(Buffer.from(s), 'text/csv')).toBe(s);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)]), 'text/csv')).toBe(s);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(s, 'utf-16le')]), 'text/csv')).toBe(s);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(s, 'utf-16be')]), 'text/csv')).toBe(s);
    expect(decodeCsv(iconv.encode(s, 'gbk'), 'text/csv')).toBe(s);
    expect(decodeCsv(iconv.encode(s, 'gb18030'), 'text/csv; charset="GB18030"')).toBe(s);
  });
  it('refuses what does not decode, and unknown charsets', () => {
    expect(() => decodeCsv(Buffer.from([0x41, 0xff, 0x80, 0x42]), 'text/csv')).toThrow(/not valid/);
    expect(() => decodeCsv(iconv.encode(s, 'utf-16le'), 'text/csv')).toThrow(/not valid/);
    expect(() => decodeCsv(iconv.encode(s, 'gbk'), 'text/csv; charset=utf-8')).toThrow(/not valid UTF-8/);
    expect(() => decodeCsv(Buffer.from(s), 'text/csv; charset=klingon')).toThrow(/not supported/);
  });
});
